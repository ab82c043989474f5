// Benchmarks against the API process (real HTTP) and PostgreSQL, side by side in one run.
// Patient search (the default): fills one tenant with N realistic patients (bulk COPY), then measures each
// search shape through the API and as the same SQL straight on PostgreSQL, plus GET-by-id against SELECT-by-key.
// Booking (--mode booking): many clients racing for the same and for different slots; checks no overlap in SQL.
//
//   dotnet run -c Release --project bench/Carebase.Bench -- [--patients 1000000] [--iterations 200] [--seconds 10]
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode booking [--concurrency 32] [--iterations 160] [--seconds 10]
using Carebase.Bench;

var options = BenchOptions.Parse(args);
return args.SkipWhile(a => a != "--mode").Skip(1).FirstOrDefault() == "booking"
    ? await BookingBenchmark.RunAsync(options)
    : await PatientSearchBenchmark.RunAsync(options);
