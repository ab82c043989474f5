// Patient search benchmark: fills one tenant with N realistic patients (bulk COPY), then measures each
// search shape through the API (a separate process, real HTTP) and as the same SQL straight on
// PostgreSQL, side by side in one run, plus GET-by-id throughput against SELECT-by-primary-key.
//
//   dotnet run -c Release --project bench/Carebase.Bench -- [--patients 1000000] [--iterations 200] [--seconds 10]
//
// queue/next under contention (--mode queue): N waiting tokens, many workers racing through the API, then the
// same claim in SQL; checks that no token was handed out twice or lost.
//
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode queue [--tokens 2000] [--concurrency 16]
using Carebase.Bench;

var options = BenchOptions.Parse(args);
return args.SkipWhile(a => a != "--mode").Skip(1).FirstOrDefault() == "queue"
    ? await QueueNextBenchmark.RunAsync(options, args)
    : await PatientSearchBenchmark.RunAsync(options);
