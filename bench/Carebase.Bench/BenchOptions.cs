namespace Carebase.Bench;

public sealed record BenchOptions(int Patients, int Iterations, int Seconds, int Concurrency, string DataDirectory, string ResultsDirectory)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Get(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var repo = FindRepoRoot();
        return new BenchOptions(
            int.Parse(Get("--patients") ?? "1000000"),
            int.Parse(Get("--iterations") ?? "200"),
            int.Parse(Get("--seconds") ?? "10"),
            int.Parse(Get("--concurrency") ?? "16"),
            Get("--data") ?? Path.Combine(repo, "bench", ".data"),
            Path.Combine(repo, "bench", "results"));
    }

    static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Carebase.slnx"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
