using System.Text;
using System.Text.RegularExpressions;

namespace EvidenceHub.Hub.Identifiers.Canonicalization;

/// Platform accounts: a platform name and a handle, both lower-cased, so "@Snap_User" on "Snap" and
/// "https://www.snapchat.com/add/snap_user" are the same account.
internal static partial class PlatformAccountCanonicalizer
{
    /// The names units actually type for the platforms, mapped to one spelling.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["twitter"] = "x", ["x.com"] = "x", ["twitter.com"] = "x",
        ["insta"] = "instagram", ["ig"] = "instagram", ["instagram.com"] = "instagram",
        ["snap"] = "snapchat", ["sc"] = "snapchat", ["snapchat.com"] = "snapchat",
        ["fb"] = "facebook", ["facebook.com"] = "facebook", ["messenger"] = "facebook", ["facebook messenger"] = "facebook",
        ["tik tok"] = "tiktok", ["tik-tok"] = "tiktok", ["tiktok.com"] = "tiktok",
        ["tg"] = "telegram", ["t.me"] = "telegram",
        ["yt"] = "youtube", ["youtube.com"] = "youtube",
        ["wa"] = "whatsapp", ["whats app"] = "whatsapp",
        ["discord.com"] = "discord", ["discordapp"] = "discord",
        ["reddit.com"] = "reddit", ["twitch.tv"] = "twitch", ["threads.net"] = "threads", ["onlyfans.com"] = "onlyfans",
        ["linkedin.com"] = "linkedin", ["kik messenger"] = "kik", ["kik.com"] = "kik",
    };

    /// Web domains whose profile URLs can be reduced to a handle, by platform.
    private static readonly (string Domain, string Platform)[] ProfileDomains =
    [
        ("instagram.com", "instagram"), ("instagr.am", "instagram"),
        ("snapchat.com", "snapchat"),
        ("tiktok.com", "tiktok"),
        ("twitter.com", "x"), ("x.com", "x"),
        ("facebook.com", "facebook"), ("fb.com", "facebook"),
        ("t.me", "telegram"), ("telegram.me", "telegram"),
        ("youtube.com", "youtube"),
        ("reddit.com", "reddit"),
        ("twitch.tv", "twitch"),
        ("threads.net", "threads"), ("threads.com", "threads"),
        ("onlyfans.com", "onlyfans"),
        ("linkedin.com", "linkedin"),
    ];

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,39}$")]
    private static partial Regex PlatformName();

    [GeneratedRegex("^/?u/", RegexOptions.IgnoreCase)]
    private static partial Regex RedditUserPrefix();

    public static CanonicalizationResult Canonicalize(string value, string? platform)
    {
        if (string.IsNullOrWhiteSpace(platform)) return Refuse.Platform("a platform account needs its platform (e.g. snapchat, instagram)");
        var name = platform.Trim().ToLowerInvariant();
        if (name.StartsWith("www.", StringComparison.Ordinal)) name = name[4..];
        name = Aliases.GetValueOrDefault(name, name);
        if (!PlatformName().IsMatch(name))
            return Refuse.Platform("a platform name is 1 to 40 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");

        var handle = value.Trim().Normalize(NormalizationForm.FormC);

        if (LooksLikeUrl(handle))
        {
            var (fromUrl, problem) = HandleFromProfileUrl(handle, name);
            if (fromUrl is null) return Refuse.Value(problem!);
            handle = fromUrl;
        }
        else if (name == "reddit")
        {
            // Reddit itself writes its users as "u/name".
            handle = RedditUserPrefix().Replace(handle, "");
        }

        if (handle.StartsWith('@')) handle = handle[1..];
        if (handle.Length == 0) return Refuse.Value("the handle is empty");
        if (handle.StartsWith('@')) return Refuse.Value("the handle starts with more than one '@'");
        if (Refuse.HasWhitespaceOrControl(handle)) return Refuse.Value("a handle must not contain spaces");
        if (handle.Contains('/')) return Refuse.Value("a handle must not contain '/'; send the handle itself or a profile URL of a known platform");

        return CanonicalizationResult.Accepted(IdentifierKind.PlatformAccount, handle.ToLowerInvariant(), name);
    }

    private static bool LooksLikeUrl(string text)
    {
        if (text.Contains("://", StringComparison.Ordinal)) return true;
        var slash = text.IndexOf('/');
        if (slash <= 0) return false;
        return PlatformOfHost(text[..slash].ToLowerInvariant()) is not null;
    }

    private static string? PlatformOfHost(string host)
    {
        foreach (var (domain, platform) in ProfileDomains)
            if (host == domain || host.EndsWith("." + domain, StringComparison.Ordinal)) return platform;
        return null;
    }

    private static (string? Handle, string? Problem) HandleFromProfileUrl(string text, string platform)
    {
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return (null, "not a valid profile URL");

        var urlPlatform = PlatformOfHost(uri.Host.ToLowerInvariant());
        if (urlPlatform is null)
            return (null, "profile URLs are understood only for " + string.Join(", ", ProfileDomains.Select(d => d.Platform).Distinct()) + "; send the handle itself");
        if (urlPlatform != platform)
            return (null, $"the URL is a profile on {urlPlatform}, but the platform is '{Errors.LogText.Quote(platform)}'");

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var handle = segments.Length == 0 ? null : HandleFromPath(platform, segments, uri.Query);
        return !string.IsNullOrEmpty(handle) ? (handle, null) : (null, $"the URL is not a profile URL of {platform} (a post, group, invite or short link cannot be reduced to a handle)");
    }

    /// Each platform's profile paths; posts, groups, invite and short links are refused, since they name no account.
    private static string? HandleFromPath(string platform, string[] segments, string query)
    {
        var first = segments[0];
        var second = segments.Length > 1 ? segments[1] : null;
        string? AfterAt(string segment) => segment.StartsWith('@') && segment.Length > 1 ? segment[1..] : null;

        return platform switch
        {
            "instagram" when first == "stories" => second,
            "instagram" => first is "p" or "reel" or "reels" or "tv" or "explore" or "accounts" or "direct" ? null : first,
            "snapchat" when first == "add" => second,
            "snapchat" => AfterAt(first),
            "tiktok" or "youtube" or "threads" => AfterAt(first),
            "x" => first is "i" or "home" or "intent" or "search" or "hashtag" or "share" or "explore" or "messages" or "settings" ? null : first,
            "facebook" when first == "profile.php" => QueryValue(query, "id"),
            "facebook" when first == "people" => segments.Length > 2 ? segments[2] : null,
            "facebook" => first is "groups" or "events" or "watch" or "share" or "pages" or "marketplace" or "photo.php" or "story.php" or "permalink.php" ? null : first,
            "telegram" when first == "s" => second,
            "telegram" => first.StartsWith('+') || first == "joinchat" ? null : first,
            "reddit" => first is "user" or "u" ? second : null,
            "twitch" => first is "directory" or "videos" or "p" ? null : first,
            "onlyfans" => first,
            "linkedin" => first == "in" ? second : null,
            _ => null,
        };
    }

    private static string? QueryValue(string query, string name)
    {
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            if (equals > 0 && pair[..equals] == name) return Uri.UnescapeDataString(pair[(equals + 1)..]);
        }
        return null;
    }
}
