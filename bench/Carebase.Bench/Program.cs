// Benchmarks against the API process (real HTTP) and PostgreSQL, side by side in one run.
//
// Patient search (the default): fills one tenant with N realistic patients (bulk COPY), then measures each search
// shape through the API and as the same SQL straight on PostgreSQL, GET-by-id against SELECT-by-key, and export.
//   dotnet run -c Release --project bench/Carebase.Bench -- [--patients 1000000] [--names realistic|narrow|both] [--iterations 200] [--seconds 10]
//
// Booking under contention (--mode booking): clients racing for the same and for different slots; checks in SQL
// that no two active appointments of a doctor or a patient overlap.
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode booking [--concurrency 32] [--iterations 160] [--seconds 10]
//
// The queue (--mode queue): one worker per doctor loops queue/next → serve through the API on its doctor's queue, then
// as many workers run the same statements in SQL on other doctors; checks that every token was served once.
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode queue [--tokens 4000] [--concurrency 16] [--rounds 2]
//
// Round trips per route (--mode roundtrips): counted on the wire between the API process and PostgreSQL, optionally
// against an earlier build of the API (--baseline <folder holding its Carebase.Api.dll>); then GET-by-id throughput
// against the same SQL done raw.
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode roundtrips [--baseline <folder>] [--seconds 10] [--concurrency 16]
//
// Mixed load (--mode mixed): N clients of one hospital (search, GET by id, lists, register, book, queue), then of two
// hospitals at once; p50/p95 per kind, throughput, errors and the lock waits sampled from pg_stat_activity.
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode mixed [--concurrency 32] [--seconds 20] [--baseline <folder>]
using Carebase.Bench;

// The patient record at volume (--mode record): N patients with ~50 history rows each and one with 1,000 visits and
// 18,000 items; summary and first timeline page through the API and as the same SQL, and recording a visit.
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode record --patients 100000 [--iterations 200]
//
// Dispensing under contention (--mode dispense): 200 medicines (a few hot), N issued prescriptions dispensed by 32 clients
// through the API, then as the handler's statements straight on PostgreSQL; FEFO order, on-hand and ledger checked after each.
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode dispense [--iterations 2000] [--concurrency 32]
//
// The lab worklist and the invoice list at volume (--mode labs-billing): N patients, 100,000 lab orders and 100,000 invoices
// filled in SQL; page 1 of each list shape through the API and as the same statements (count, page, tests) on PostgreSQL.
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode labs-billing [--patients 20000] [--orders 100000] [--invoices 100000] [--iterations 200]
//
// Payments racing (--mode payment-race): 32 clients paying random partial amounts on N issued invoices through the API
// (Idempotency-Key, some retried), then the same list as the locked payment in SQL; overpaid, lost payments and statuses checked.
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode payment-race [--invoices 200] [--payments 2000] [--concurrency 32]
//
// The census at volume (--mode census): 10 wards × 50 beds, 50,000 past admissions over ~3 years laid bed by bed without
// overlaps, ~400 inpatients now; GET /wards/occupancy (default, today, 7 and 30 days) through the API and as its three statements.
//   dotnet run -c Release --project bench/Carebase.Bench -- --mode census [--patients 20000] [--admissions 50000] [--iterations 200]

var options = BenchOptions.Parse(args);
return args.SkipWhile(a => a != "--mode").Skip(1).FirstOrDefault() switch
{
    "queue" => await QueueNextBenchmark.RunAsync(options, args),
    "booking" => await BookingBenchmark.RunAsync(options),
    "roundtrips" => await RoundTripBenchmark.RunAsync(options, args),
    "mixed" => await MixedLoadBenchmark.RunAsync(options, args),
    "record" => await RecordBenchmark.RunAsync(options),
    "dispense" => await DispensingBenchmark.RunAsync(options),
    "labs-billing" => await LabsBillingBenchmark.RunAsync(options, args),
    "census" => await CensusBenchmark.RunAsync(options, args),
    "payment-race" => await PaymentRaceBenchmark.RunAsync(options, args),
    _ => await PatientSearchBenchmark.RunAsync(options),
};
