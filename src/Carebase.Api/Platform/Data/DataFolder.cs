namespace Carebase.Api.Platform.Data;

/// <summary>
/// The local data folder (embedded PostgreSQL, master key, sandbox mail): Carebase:DataDirectory,
/// else <c>.carebase/</c> at the repository root (the folder holding Carebase.slnx), else beside the app.
/// </summary>
public static class DataFolder
{
    public static string Resolve(IConfiguration config, IHostEnvironment env)
    {
        if (config["Carebase:DataDirectory"] is { Length: > 0 } configured) return Path.GetFullPath(configured);
        for (var dir = new DirectoryInfo(env.ContentRootPath); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Carebase.slnx")))
                return Path.Combine(dir.FullName, ".carebase");
        return Path.Combine(env.ContentRootPath, ".carebase");
    }
}
