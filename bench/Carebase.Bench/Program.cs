// Patient search benchmark: fills one tenant with N realistic patients (bulk COPY), then measures each
// search shape through the API (a separate process, real HTTP) and as the same SQL straight on
// PostgreSQL, side by side in one run, plus GET-by-id throughput against SELECT-by-primary-key.
//
//   dotnet run -c Release --project bench/Carebase.Bench -- [--patients 1000000] [--iterations 200] [--seconds 10]
using Carebase.Bench;

var options = BenchOptions.Parse(args);
return await PatientSearchBenchmark.RunAsync(options);
