using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Carebase.Tests.Features.Platform;

/// <summary>
/// A TCP relay between the service and PostgreSQL that counts database round trips, whatever sends them
/// (EF, raw Npgsql commands and batches, BEGIN/COMMIT, pool resets): each time a connection's client starts
/// sending after the server has answered, the client is waiting for PostgreSQL once more. Pipelined messages
/// (a batch, Npgsql's prepended BEGIN or DISCARD ALL) travel before any answer and count once, as they cost once.
/// A connection that LISTENs (the queue listener) is left out: its occasional probe is not anyone's request.
/// Shared by the round-trip tests and the benchmark (linked into it).
/// </summary>
public sealed class RoundTripProxy : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly string _host;
    readonly int _port;
    readonly CancellationTokenSource _stop = new();
    readonly List<Task> _pumps = [];
    long _roundTrips;

    /// <summary>The same connection string, pointed at the relay.</summary>
    public string ConnectionString { get; }

    /// <summary>Round trips counted since the start or the last <see cref="Reset"/>.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    public long Reset() => Interlocked.Exchange(ref _roundTrips, 0);

    RoundTripProxy(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        (_host, _port) = (target.Host!, target.Port);
        _listener.Start();
        // Encryption would hide nothing from the count but makes the relay pointless to read: keep it plain.
        ConnectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Host = "127.0.0.1", Port = ((IPEndPoint)_listener.LocalEndpoint).Port, SslMode = SslMode.Disable,
        }.ConnectionString;
        _pumps.Add(AcceptAsync());
    }

    public static RoundTripProxy Start(string connectionString) => new(connectionString);

    async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            var server = new TcpClient();
            await server.ConnectAsync(_host, _port, _stop.Token);
            client.NoDelay = server.NoDelay = true;
            var link = new Link();
            lock (_pumps)
            {
                _pumps.Add(PumpAsync(client, server, link, fromClient: true));
                _pumps.Add(PumpAsync(server, client, link, fromClient: false));
            }
        }
    }

    sealed class Link
    {
        public int ClientsTurn = 1; // the first bytes a client sends start its first round trip
        public volatile bool Listening;
    }

    async Task PumpAsync(TcpClient from, TcpClient to, Link link, bool fromClient)
    {
        var buffer = new byte[64 * 1024];
        var input = from.GetStream();
        var output = to.GetStream();
        try
        {
            int n;
            while ((n = await input.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (fromClient)
                {
                    if (!link.Listening && Encoding.ASCII.GetString(buffer, 0, n).Contains("LISTEN ", StringComparison.Ordinal)) link.Listening = true;
                    if (Interlocked.Exchange(ref link.ClientsTurn, 0) == 1 && !link.Listening) Interlocked.Increment(ref _roundTrips);
                }
                else Volatile.Write(ref link.ClientsTurn, 1);
                await output.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // One side closed: close the other.
        }
        from.Close();
        to.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Task[] pumps;
        lock (_pumps) pumps = [.. _pumps];
        await Task.WhenAll(pumps);
        _stop.Dispose();
    }
}
