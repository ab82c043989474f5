namespace Carebase.Bench;

/// <param name="Names">patient names for the search benchmark: realistic (thousands of names, Zipf-like), narrow (about 60
/// surnames, the worst case for a name search) or both, one after the other</param>
public sealed record BenchOptions(int Patients, int Iterations, int Seconds, int Concurrency, string DataDirectory, string ResultsDirectory, string Names)
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
            Path.Combine(repo, "bench", "results"),
            Get("--names") is { } names ? names is "realistic" or "narrow" or "both" ? names : throw new ArgumentException("--names is realistic, narrow or both") : "both");
    }

    static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Carebase.slnx"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
