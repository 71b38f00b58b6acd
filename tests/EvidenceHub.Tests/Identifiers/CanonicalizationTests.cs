using EvidenceHub.Hub.Identifiers;

namespace EvidenceHub.Tests.Identifiers;

public class CanonicalizationTests
{
    private static readonly DateTimeOffset Seen = new(2024, 3, 1, 21, 15, 0, TimeSpan.FromHours(1));

    private static CanonicalizationResult Canonicalize(IdentifierKind kind, string value, string? platform = null, DateTimeOffset? observedAt = null, string region = "NL") =>
        IdentifierCanonicalizer.Canonicalize(new RawIdentifier(kind, value, platform, observedAt), region);

    private static string KeyOf(IdentifierKind kind, string value, string? platform = null, DateTimeOffset? observedAt = null, string region = "NL")
    {
        var result = Canonicalize(kind, value, platform, observedAt, region);
        Assert.True(result.IsValid, $"'{value}' was refused: {result.Violation?.Field}: {result.Violation?.Description}");
        Assert.Null(result.Violation);
        return result.Identifier.Key;
    }

    private static IdentifierViolation ViolationOf(IdentifierKind kind, string value, string? platform = null, DateTimeOffset? observedAt = null, string region = "NL")
    {
        var result = Canonicalize(kind, value, platform, observedAt, region);
        Assert.False(result.IsValid, $"'{value}' was accepted as {result.Identifier?.Key}");
        Assert.NotNull(result.Violation);
        Assert.False(string.IsNullOrWhiteSpace(result.Violation.Description));
        return result.Violation;
    }

    // ---------------------------------------------------------------- value presence and length, every kind

    [Theory]
    [InlineData(IdentifierKind.PhoneNumber, "")]
    [InlineData(IdentifierKind.EmailAddress, "   ")]
    [InlineData(IdentifierKind.PlatformAccount, "\t\n")]
    [InlineData(IdentifierKind.Iban, " ")]
    [InlineData(IdentifierKind.CryptoWallet, "")]
    [InlineData(IdentifierKind.IpAddress, "  ")]
    [InlineData(IdentifierKind.FileHashSha256, "")]
    [InlineData(IdentifierKind.FileHashMd5, "\u00a0")]
    [InlineData(IdentifierKind.PerceptualHash, "")]
    public void Empty_or_whitespace_value_is_refused_on_value(IdentifierKind kind, string value) =>
        Assert.Equal("value", ViolationOf(kind, value, "snapchat", Seen).Field);

    [Theory]
    [InlineData(IdentifierKind.PhoneNumber)]
    [InlineData(IdentifierKind.EmailAddress)]
    [InlineData(IdentifierKind.PlatformAccount)]
    [InlineData(IdentifierKind.Iban)]
    [InlineData(IdentifierKind.CryptoWallet)]
    [InlineData(IdentifierKind.IpAddress)]
    [InlineData(IdentifierKind.FileHashSha256)]
    [InlineData(IdentifierKind.FileHashMd5)]
    [InlineData(IdentifierKind.PerceptualHash)]
    public void Value_longer_than_the_maximum_is_refused_on_value(IdentifierKind kind)
    {
        var violation = ViolationOf(kind, new string('a', IdentifierCanonicalizer.MaxValueLength + 1), "snapchat", Seen);
        Assert.Equal("value", violation.Field);
        Assert.Contains("256", violation.Description);
    }

    [Fact]
    public void Value_of_exactly_the_maximum_length_is_accepted()
    {
        var handle = new string('a', IdentifierCanonicalizer.MaxValueLength);
        Assert.Equal($"account:kik:{handle}", KeyOf(IdentifierKind.PlatformAccount, handle, "kik"));
    }

    [Fact]
    public void Null_raw_or_null_value_gives_a_violation_instead_of_throwing()
    {
        Assert.Equal("value", IdentifierCanonicalizer.Canonicalize(null!, "NL").Violation?.Field);
        Assert.Equal("value", IdentifierCanonicalizer.Canonicalize(new RawIdentifier(IdentifierKind.PhoneNumber, null!), "NL").Violation?.Field);
        Assert.Equal("value", IdentifierCanonicalizer.Canonicalize(new RawIdentifier(IdentifierKind.PhoneNumber, "06-12345678"), null!).Violation?.Field);
    }

    [Fact]
    public void Unknown_kind_is_refused_on_kind() =>
        Assert.Equal("kind", ViolationOf((IdentifierKind)99, "anything").Field);

    [Fact]
    public void Hostile_inputs_never_throw()
    {
        string[] inputs =
        [
            "\0", "\u0000\u0001", "💩", "@", "@@", ":", "://", "[", "]", "%", "+", "++", "0x", "bc1", "ltc1", "1", "IBAN", "IBAN:",
            "sha256:", "md5:", "pdq:", "mailto:", "<>", "tel:", "bitcoin:", "ethereum:pay-", "https://", "https://www.instagram.com/",
            "snapchat.com/", "a@", "@b", "a@b", "a@.", "a@xn--", "a@xn--zz.nl", "::ffff:", "[::1]:", "1.2.3.4:", new string('1', 256),
            new string('z', 256), "1" + new string('1', 94), "4" + new string('1', 94), "\u202e\u202d", "ß@ß.ß", "𝟘𝟞-𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠",
        ];
        foreach (var kind in Enum.GetValues<IdentifierKind>())
            foreach (var input in inputs)
                foreach (var region in new[] { "NL", "", "zz", "nl ", "XX" })
                {
                    var result = IdentifierCanonicalizer.Canonicalize(new RawIdentifier(kind, input, "snapchat", Seen), region);
                    Assert.True(result.IsValid ^ result.Violation is not null);
                }
    }

    // ---------------------------------------------------------------- phone numbers

    [Theory]
    // Netherlands: the forms from the issue, and what case files really contain.
    [InlineData("+31 6 1234 5678", "NL", "phone:+31612345678")]
    [InlineData("0031612345678", "NL", "phone:+31612345678")]
    [InlineData("06-12345678", "NL", "phone:+31612345678")]
    [InlineData("+31 (0)6 12345678", "NL", "phone:+31612345678")]
    [InlineData("+31612345678", "NL", "phone:+31612345678")]
    [InlineData("0612345678", "NL", "phone:+31612345678")]
    [InlineData("06 12 34 56 78", "NL", "phone:+31612345678")]
    [InlineData("(06) 12345678", "NL", "phone:+31612345678")]
    [InlineData("06/12345678", "NL", "phone:+31612345678")]
    [InlineData("+31.6.12.34.56.78", "NL", "phone:+31612345678")]
    [InlineData("  +31 6 12345678  ", "NL", "phone:+31612345678")]
    [InlineData("+31\u00a06\u00a012345678", "NL", "phone:+31612345678")]
    [InlineData("tel:+31-6-12345678", "NL", "phone:+31612345678")]
    [InlineData("06-12345678", "nl", "phone:+31612345678")]
    // A Dutch number in a foreign case.
    [InlineData("+31 6 12345678", "CA", "phone:+31612345678")]
    [InlineData("0031612345678", "BE", "phone:+31612345678")]
    [InlineData("011 31 6 12345678", "US", "phone:+31612345678")]
    // Belgium
    [InlineData("+32 450 00 12 34", "NL", "phone:+32450001234")]
    [InlineData("0450 00 12 34", "BE", "phone:+32450001234")]
    [InlineData("0032 450 00 12 34", "NL", "phone:+32450001234")]
    [InlineData("+32 (0)450 00 12 34", "BE", "phone:+32450001234")]
    // Germany
    [InlineData("+49 1512 3456789", "NL", "phone:+4915123456789")]
    [InlineData("01512 3456789", "DE", "phone:+4915123456789")]
    [InlineData("0151/23456789", "DE", "phone:+4915123456789")]
    [InlineData("+49 (0)1512 3456789", "DE", "phone:+4915123456789")]
    [InlineData("0049 151 23456789", "NL", "phone:+4915123456789")]
    // France
    [InlineData("+33 6 12 34 56 78", "NL", "phone:+33612345678")]
    [InlineData("06 12 34 56 78", "FR", "phone:+33612345678")]
    [InlineData("06.12.34.56.78", "FR", "phone:+33612345678")]
    [InlineData("+33 (0)6 12 34 56 78", "FR", "phone:+33612345678")]
    [InlineData("0033612345678", "BE", "phone:+33612345678")]
    // United Kingdom
    [InlineData("+44 7400 123456", "NL", "phone:+447400123456")]
    [InlineData("07400 123456", "GB", "phone:+447400123456")]
    [InlineData("+44 (0)7400 123456", "GB", "phone:+447400123456")]
    [InlineData("00447400123456", "NL", "phone:+447400123456")]
    [InlineData("011 44 7400 123456", "US", "phone:+447400123456")]
    // United States and Canada share +1.
    [InlineData("+1 201-555-0123", "NL", "phone:+12015550123")]
    [InlineData("(201) 555-0123", "US", "phone:+12015550123")]
    [InlineData("201.555.0123", "US", "phone:+12015550123")]
    [InlineData("1-201-555-0123", "US", "phone:+12015550123")]
    [InlineData("001 201 555 0123", "NL", "phone:+12015550123")]
    [InlineData("+1 506-234-5678", "NL", "phone:+15062345678")]
    [InlineData("(506) 234-5678", "CA", "phone:+15062345678")]
    [InlineData("506-234-5678", "US", "phone:+15062345678")]
    // Spain, Italy (whose leading zero is part of the number), Austria, Switzerland and further.
    [InlineData("+34 612 34 56 78", "NL", "phone:+34612345678")]
    [InlineData("612 34 56 78", "ES", "phone:+34612345678")]
    [InlineData("0034 612345678", "NL", "phone:+34612345678")]
    [InlineData("+39 312 345 6789", "NL", "phone:+393123456789")]
    [InlineData("312 345 6789", "IT", "phone:+393123456789")]
    [InlineData("+39 02 1234 5678", "NL", "phone:+390212345678")]
    [InlineData("02 1234 5678", "IT", "phone:+390212345678")]
    [InlineData("+43 664 123456", "NL", "phone:+43664123456")]
    [InlineData("0664 123456", "AT", "phone:+43664123456")]
    [InlineData("+41 78 123 45 67", "NL", "phone:+41781234567")]
    [InlineData("078 123 45 67", "CH", "phone:+41781234567")]
    [InlineData("+48 512 345 678", "NL", "phone:+48512345678")]
    [InlineData("+212 6 50 12 34 56", "NL", "phone:+212650123456")]
    [InlineData("06 50 12 34 56", "MA", "phone:+212650123456")]
    [InlineData("+90 501 234 56 78", "NL", "phone:+905012345678")]
    [InlineData("+61 412 345 678", "NL", "phone:+61412345678")]
    [InlineData("0412 345 678", "AU", "phone:+61412345678")]
    [InlineData("+91 81234 56789", "NL", "phone:+918123456789")]
    [InlineData("+55 11 96123-4567", "NL", "phone:+5511961234567")]
    public void Phone_number_forms_map_to_one_E164_key(string value, string region, string expectedKey) =>
        Assert.Equal(expectedKey, KeyOf(IdentifierKind.PhoneNumber, value, region: region));

    [Fact]
    public void Region_is_trimmed_and_case_insensitive() =>
        Assert.Equal("phone:+31612345678", KeyOf(IdentifierKind.PhoneNumber, "06-12345678", region: " nl "));

    [Fact]
    public void Phone_canonical_value_and_qualifier()
    {
        var identifier = Canonicalize(IdentifierKind.PhoneNumber, "06-12345678").Identifier!;
        Assert.Equal(new CanonicalIdentifier(IdentifierKind.PhoneNumber, "+31612345678", null), identifier);
    }

    [Fact]
    public void A_national_number_depends_on_the_case_country()
    {
        // The same digits are a Dutch mobile in a Dutch case and a French mobile in a French case.
        Assert.Equal("phone:+31612345678", KeyOf(IdentifierKind.PhoneNumber, "0612345678", region: "NL"));
        Assert.Equal("phone:+33612345678", KeyOf(IdentifierKind.PhoneNumber, "0612345678", region: "FR"));
    }

    [Fact]
    public void Platform_and_time_do_not_change_a_phone_key() =>
        Assert.Equal("phone:+31612345678", KeyOf(IdentifierKind.PhoneNumber, "06-12345678", "whatsapp", Seen));

    [Theory]
    [InlineData("+31 6 1234", "NL")]                  // too short
    [InlineData("+31 6 1234 5678 90", "NL")]          // too long
    [InlineData("06-1234567", "NL")]                  // one digit missing
    [InlineData("06-123456789", "NL")]                // one digit too many
    [InlineData("12345", "NL")]
    [InlineData("+999 1234 5678", "NL")]              // no such country calling code
    [InlineData("+1 555-555-5555", "US")]             // 555 is not an area code
    [InlineData("+44 7400 12345", "GB")]
    [InlineData("+33 6 12 34 56 7", "FR")]
    [InlineData("call me on +31612345678", "NL")]     // prose around a number
    [InlineData("+31 6 12345678 ext. 12", "NL")]      // extensions would merge a switchboard
    [InlineData("+31 6 12345678 x12", "NL")]
    [InlineData("+31 6 12345678#12", "NL")]
    [InlineData("1-800-FLOWERS", "US")]               // vanity letters
    [InlineData("06-12345678", "")]                   // national form without a known case country
    [InlineData("06-12345678", "XX")]
    [InlineData("06-12345678", "EU")]
    [InlineData("snap_user", "NL")]
    [InlineData("+", "NL")]
    [InlineData("++", "NL")]
    [InlineData("0000000000", "NL")]
    [InlineData("+31 6 12345678 / 9", "NL")]
    public void Invalid_phone_numbers_are_refused_on_value(string value, string region) =>
        Assert.Equal("value", ViolationOf(IdentifierKind.PhoneNumber, value, region: region).Field);

    [Fact]
    public void Phone_violation_says_what_is_wrong_without_repeating_the_number()
    {
        var tooShort = ViolationOf(IdentifierKind.PhoneNumber, "+31 6 12");
        Assert.Contains("too short", tooShort.Description);
        Assert.DoesNotContain("612", tooShort.Description);

        var notInPlan = ViolationOf(IdentifierKind.PhoneNumber, "+31 6 1234");
        Assert.Contains("+31", notInPlan.Description);
        Assert.DoesNotContain("61234", notInPlan.Description);

        Assert.Contains("country calling code", ViolationOf(IdentifierKind.PhoneNumber, "+999 1234 5678").Description);

        var noCountry = ViolationOf(IdentifierKind.PhoneNumber, "06-12345678", region: "");
        Assert.Contains("country code", noCountry.Description);
    }

    // ---------------------------------------------------------------- e-mail addresses

    [Theory]
    [InlineData("a.user@example.nl", "email:a.user@example.nl")]
    [InlineData(" A.User@Example.NL ", "email:a.user@example.nl")]
    [InlineData("A.USER@EXAMPLE.NL", "email:a.user@example.nl")]
    [InlineData("mailto:a.user@example.nl", "email:a.user@example.nl")]
    [InlineData("MAILTO:A.User@example.nl", "email:a.user@example.nl")]
    [InlineData("<a.user@example.nl>", "email:a.user@example.nl")]
    [InlineData("a.user@example.nl.", "email:a.user@example.nl")]
    [InlineData("a.user+tag@example.nl", "email:a.user+tag@example.nl")]      // no provider-specific folding
    [InlineData("j.doe@gmail.com", "email:j.doe@gmail.com")]
    [InlineData("jdoe@gmail.com", "email:jdoe@gmail.com")]
    [InlineData("o'brien@example.ie", "email:o'brien@example.ie")]
    [InlineData("user_123@sub.mail.example.co.uk", "email:user_123@sub.mail.example.co.uk")]
    [InlineData("info@bücher.de", "email:info@xn--bcher-kva.de")]              // IDN domain to punycode
    [InlineData("INFO@BÜCHER.DE", "email:info@xn--bcher-kva.de")]
    [InlineData("info@xn--bcher-kva.de", "email:info@xn--bcher-kva.de")]
    [InlineData("josé@example.es", "email:josé@example.es")]
    [InlineData("jose\u0301@example.es", "email:josé@example.es")]           // decomposed accent
    [InlineData("JOSÉ@example.es", "email:josé@example.es")]
    public void Email_forms_map_to_one_key(string value, string expectedKey) =>
        Assert.Equal(expectedKey, KeyOf(IdentifierKind.EmailAddress, value));

    [Theory]
    [InlineData("a.user")]
    [InlineData("a.user.example.nl")]
    [InlineData("a@b@example.nl")]
    [InlineData("@example.nl")]
    [InlineData("a.user@")]
    [InlineData("a user@example.nl")]
    [InlineData("a.user@exam ple.nl")]
    [InlineData("a.user@example.nl\tx")]
    [InlineData("a.user@localhost")]
    [InlineData("a.user@example")]
    [InlineData("a.user@.example.nl")]
    [InlineData("a.user@example..nl")]
    [InlineData("a.user@-example.nl")]
    [InlineData("a.user@exam_ple.nl")]
    [InlineData("a.user@192.168.1.1")]
    [InlineData("a.user@example.n")]
    [InlineData("\"a user\"@example.nl")]
    [InlineData("a<b@example.nl")]
    [InlineData("a,b@example.nl")]
    [InlineData("Jan Jansen <a.user@example.nl>")]
    [InlineData("a.user@@example.nl")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.nl")] // 65-character local part
    public void Invalid_email_addresses_are_refused_on_value(string value) =>
        Assert.Equal("value", ViolationOf(IdentifierKind.EmailAddress, value).Field);

    // ---------------------------------------------------------------- platform accounts

    [Theory]
    // Snapchat: the issue's own example, aliases, and the profile URLs units paste.
    [InlineData("@Snap_User", "snapchat", "account:snapchat:snap_user")]
    [InlineData("snap_user", "Snapchat", "account:snapchat:snap_user")]
    [InlineData("  snap_user  ", " snap ", "account:snapchat:snap_user")]
    [InlineData("SNAP_USER", "SC", "account:snapchat:snap_user")]
    [InlineData("https://www.snapchat.com/add/snap_user", "snapchat", "account:snapchat:snap_user")]
    [InlineData("snapchat.com/add/Snap_User", "snapchat", "account:snapchat:snap_user")]
    [InlineData("www.snapchat.com/add/snap_user/", "snapchat", "account:snapchat:snap_user")]
    [InlineData("https://snapchat.com/add/snap_user?share_id=MzQ1&locale=nl-NL", "snapchat", "account:snapchat:snap_user")]
    [InlineData("https://www.snapchat.com/@snap_user", "snapchat", "account:snapchat:snap_user")]
    [InlineData("https://story.snapchat.com/@Snap_User", "snap", "account:snapchat:snap_user")]
    [InlineData("snap_user", "snapchat.com", "account:snapchat:snap_user")]
    // Instagram
    [InlineData("https://www.instagram.com/Snap_User/", "instagram", "account:instagram:snap_user")]
    [InlineData("instagram.com/snap_user", "insta", "account:instagram:snap_user")]
    [InlineData("https://instagram.com/snap_user?igsh=MWQ1ZGUxMzBkMA==", "IG", "account:instagram:snap_user")]
    [InlineData("https://www.instagram.com/stories/snap_user/3312345678901234567/", "instagram", "account:instagram:snap_user")]
    [InlineData("http://instagr.am/snap_user", "instagram", "account:instagram:snap_user")]
    [InlineData("https://m.instagram.com/snap_user/", "Instagram", "account:instagram:snap_user")]
    [InlineData("@snap_user", "www.instagram.com", "account:instagram:snap_user")]
    // TikTok
    [InlineData("https://www.tiktok.com/@User.Name", "tiktok", "account:tiktok:user.name")]
    [InlineData("https://www.tiktok.com/@user.name/video/7312345678901234567?lang=nl", "TikTok", "account:tiktok:user.name")]
    [InlineData("@user.name", "tik tok", "account:tiktok:user.name")]
    [InlineData("tiktok.com/@user.name", "tiktok", "account:tiktok:user.name")]
    // X / Twitter
    [InlineData("@Handle_1", "twitter", "account:x:handle_1")]
    [InlineData("https://twitter.com/handle_1", "Twitter", "account:x:handle_1")]
    [InlineData("https://x.com/Handle_1/status/1712345678901234567", "x", "account:x:handle_1")]
    [InlineData("mobile.twitter.com/handle_1", "X", "account:x:handle_1")]
    // Facebook: numeric profile ids and vanity names.
    [InlineData("https://www.facebook.com/profile.php?id=100012345678901", "facebook", "account:facebook:100012345678901")]
    [InlineData("https://m.facebook.com/100012345678901", "fb", "account:facebook:100012345678901")]
    [InlineData("https://www.facebook.com/people/Jan-Jansen/100012345678901/", "facebook", "account:facebook:100012345678901")]
    [InlineData("100012345678901", "Facebook", "account:facebook:100012345678901")]
    [InlineData("https://www.facebook.com/Jan.Jansen.75", "facebook", "account:facebook:jan.jansen.75")]
    [InlineData("fb.com/jan.jansen.75", "messenger", "account:facebook:jan.jansen.75")]
    // Telegram, YouTube, Reddit, Threads, Twitch, LinkedIn, OnlyFans
    [InlineData("https://t.me/Some_Channel", "telegram", "account:telegram:some_channel")]
    [InlineData("t.me/s/some_channel", "telegram", "account:telegram:some_channel")]
    [InlineData("telegram.me/some_channel", "Telegram", "account:telegram:some_channel")]
    [InlineData("@some_channel", "tg", "account:telegram:some_channel")]
    [InlineData("https://www.youtube.com/@SomeCreator", "youtube", "account:youtube:somecreator")]
    [InlineData("@somecreator", "yt", "account:youtube:somecreator")]
    [InlineData("u/Some_Redditor", "reddit", "account:reddit:some_redditor")]
    [InlineData("/u/some_redditor", "reddit", "account:reddit:some_redditor")]
    [InlineData("https://www.reddit.com/user/Some_Redditor/", "reddit", "account:reddit:some_redditor")]
    [InlineData("https://old.reddit.com/u/some_redditor", "Reddit", "account:reddit:some_redditor")]
    [InlineData("https://www.threads.net/@snap_user", "threads", "account:threads:snap_user")]
    [InlineData("https://www.twitch.tv/SomeStreamer", "twitch", "account:twitch:somestreamer")]
    [InlineData("https://nl.linkedin.com/in/jan-jansen-123456", "linkedin", "account:linkedin:jan-jansen-123456")]
    [InlineData("https://onlyfans.com/some.model", "onlyfans", "account:onlyfans:some.model")]
    // Platforms without URL rules: handle only, the platform name as given.
    [InlineData("Gamer.Kid_2011", "discord", "account:discord:gamer.kid_2011")]
    [InlineData("gamer.kid_2011", "Discord", "account:discord:gamer.kid_2011")]
    [InlineData("OldStyle#1234", "discord", "account:discord:oldstyle#1234")]
    [InlineData("KidHunter99", "Chatroulette", "account:chatroulette:kidhunter99")]
    [InlineData("kidhunter99", " chatroulette ", "account:chatroulette:kidhunter99")]
    [InlineData("Roblox_Player", "roblox", "account:roblox:roblox_player")]
    [InlineData("live:.cid.1a2b3c4d5e6f", "skype", "account:skype:live:.cid.1a2b3c4d5e6f")]
    [InlineData("Some.User", "kik messenger", "account:kik:some.user")]
    public void Platform_account_forms_map_to_one_key(string value, string platform, string expectedKey) =>
        Assert.Equal(expectedKey, KeyOf(IdentifierKind.PlatformAccount, value, platform));

    [Fact]
    public void Account_canonical_value_and_qualifier()
    {
        var identifier = Canonicalize(IdentifierKind.PlatformAccount, "@Snap_User", "Snap").Identifier!;
        Assert.Equal(new CanonicalIdentifier(IdentifierKind.PlatformAccount, "snap_user", "snapchat"), identifier);
    }

    [Fact]
    public void The_same_handle_on_two_platforms_is_two_accounts() =>
        Assert.NotEqual(KeyOf(IdentifierKind.PlatformAccount, "snap_user", "snapchat"), KeyOf(IdentifierKind.PlatformAccount, "snap_user", "instagram"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Snap Chat")]
    [InlineData("-snapchat")]
    [InlineData(".snapchat")]
    [InlineData("snap!chat")]
    [InlineData("snapchat/")]
    [InlineData("https://snapchat.com")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 41 characters
    public void Missing_or_malformed_platform_is_refused_on_platform(string? platform) =>
        Assert.Equal("platform", ViolationOf(IdentifierKind.PlatformAccount, "snap_user", platform).Field);

    [Fact]
    public void Platform_of_forty_characters_is_accepted() =>
        Assert.Equal($"account:{new string('p', 40)}:snap_user", KeyOf(IdentifierKind.PlatformAccount, "snap_user", new string('p', 40)));

    [Theory]
    [InlineData("snap user", "snapchat")]
    [InlineData("snap\tuser", "snapchat")]
    [InlineData("@", "snapchat")]
    [InlineData("@@snap_user", "snapchat")]
    [InlineData("snap/user", "snapchat")]
    [InlineData("example.com/snap_user", "snapchat")]
    [InlineData("https://example.com/snap_user", "snapchat")]               // URL of an unknown site
    [InlineData("https://www.instagram.com/snap_user/", "snapchat")]        // URL of another platform
    [InlineData("https://www.tiktok.com/@user.name", "instagram")]
    [InlineData("https://www.instagram.com/p/C1a2b3c4d5e/", "instagram")]   // a post, not a profile
    [InlineData("https://www.instagram.com/reel/C1a2b3c4d5e/", "instagram")]
    [InlineData("https://vm.tiktok.com/ZMabc1234/", "tiktok")]              // short link, cannot be resolved offline
    [InlineData("https://t.me/+AbCdEf123456", "telegram")]                  // invite link
    [InlineData("https://t.me/joinchat/AbCdEf123456", "telegram")]
    [InlineData("https://www.facebook.com/groups/123456789", "facebook")]
    [InlineData("https://www.facebook.com/profile.php", "facebook")]
    [InlineData("https://www.youtube.com/channel/UC1234567890abcdefghijkl", "youtube")]
    [InlineData("https://www.snapchat.com/", "snapchat")]
    [InlineData("https://www.snapchat.com/t/AbCdEf", "snapchat")]
    [InlineData("https://x.com/i/flow/login", "x")]
    [InlineData("https://www.reddit.com/r/somesubreddit", "reddit")]
    [InlineData("ftp://snapchat.com/add/snap_user", "snapchat")]
    public void Malformed_handles_are_refused_on_value(string value, string platform) =>
        Assert.Equal("value", ViolationOf(IdentifierKind.PlatformAccount, value, platform).Field);

    [Fact]
    public void Platform_mismatch_names_both_platforms()
    {
        var violation = ViolationOf(IdentifierKind.PlatformAccount, "https://www.instagram.com/snap_user/", "snap");
        Assert.Contains("instagram", violation.Description);
        Assert.Contains("snapchat", violation.Description);
    }

    // ---------------------------------------------------------------- IBANs

    [Theory]
    [InlineData("NL91ABNA0417164300", "iban:NL91ABNA0417164300")]
    [InlineData("NL91 ABNA 0417 1643 00", "iban:NL91ABNA0417164300")]
    [InlineData("nl91abna0417164300", "iban:NL91ABNA0417164300")]
    [InlineData("  NL91 ABNA 0417 1643 00  ", "iban:NL91ABNA0417164300")]
    [InlineData("NL91-ABNA-0417-1643-00", "iban:NL91ABNA0417164300")]
    [InlineData("IBAN NL91 ABNA 0417 1643 00", "iban:NL91ABNA0417164300")]
    [InlineData("IBAN: NL91ABNA0417164300", "iban:NL91ABNA0417164300")]
    [InlineData("iban nl91abna0417164300", "iban:NL91ABNA0417164300")]
    [InlineData("NL91\u00a0ABNA\u00a00417\u00a01643\u00a000", "iban:NL91ABNA0417164300")]
    [InlineData("DE89 3704 0044 0532 0130 00", "iban:DE89370400440532013000")]
    [InlineData("GB29 NWBK 6016 1331 9268 19", "iban:GB29NWBK60161331926819")]
    [InlineData("BE68 5390 0754 7034", "iban:BE68539007547034")]
    [InlineData("FR14 2004 1010 0505 0001 3M02 606", "iban:FR1420041010050500013M02606")]
    [InlineData("fr1420041010050500013m02606", "iban:FR1420041010050500013M02606")]
    [InlineData("ES91 2100 0418 4502 0005 1332", "iban:ES9121000418450200051332")]
    [InlineData("IT60 X054 2811 1010 0000 0123 456", "iban:IT60X0542811101000000123456")]
    [InlineData("CH93 0076 2011 6238 5295 7", "iban:CH9300762011623852957")]
    [InlineData("AT61 1904 3002 3457 3201", "iban:AT611904300234573201")]
    [InlineData("PL61 1090 1014 0000 0712 1981 2874", "iban:PL61109010140000071219812874")]
    [InlineData("NO93 8601 1117 947", "iban:NO9386011117947")]
    [InlineData("LU28 0019 4006 4475 0000", "iban:LU280019400644750000")]
    [InlineData("PT50 0002 0123 1234 5678 9015 4", "iban:PT50000201231234567890154")]
    [InlineData("IE29 AIBK 9311 5212 3456 78", "iban:IE29AIBK93115212345678")]
    [InlineData("HN88 CABF 0000 0000 0002 5000 5469", "iban:HN88CABF00000000000250005469")] // country not in the table: 15..34 and mod-97
    public void Iban_forms_map_to_one_key(string value, string expectedKey) =>
        Assert.Equal(expectedKey, KeyOf(IdentifierKind.Iban, value));

    [Theory]
    [InlineData("NL91ABNA0417164301")]          // last digit changed
    [InlineData("NL92ABNA0417164300")]          // check digits changed
    [InlineData("NL91ABNA0417146300")]          // two digits transposed
    [InlineData("NL91ABNA04171643OO")]          // letter O for zero
    [InlineData("DE89370400440532013001")]
    [InlineData("GB29NWBK60161331926818")]
    [InlineData("BE68539007547035")]
    [InlineData("FR1420041010050500013M02607")]
    [InlineData("NL91ABNA041716430")]           // too short for NL
    [InlineData("NL91ABNA04171643000")]         // too long for NL
    [InlineData("BE68 5390 0754 7034 00")]
    [InlineData("91ABNA0417164300")]            // no country code
    [InlineData("N191ABNA0417164300")]
    [InlineData("NLXXABNA0417164300")]          // no check digits
    [InlineData("NL91.ABNA.0417.1643.00")]      // dots are not separators
    [InlineData("NL91ABNA0417164300!")]
    [InlineData("NL9")]
    [InlineData("ZZ12345678901")]               // unknown country, under 15
    [InlineData("ZZ1234567890123456789012345678901234")] // unknown country, over 34
    [InlineData("IBAN")]
    [InlineData("IBAN:")]
    [InlineData("ÑL91ABNA0417164300")]
    public void Invalid_ibans_are_refused_on_value(string value) =>
        Assert.Equal("value", ViolationOf(IdentifierKind.Iban, value).Field);

    [Fact]
    public void Iban_violations_are_specific()
    {
        Assert.Contains("mod-97", ViolationOf(IdentifierKind.Iban, "NL91ABNA0417164301").Description);
        Assert.Contains("18", ViolationOf(IdentifierKind.Iban, "NL91ABNA041716430").Description);
    }

    // ---------------------------------------------------------------- crypto wallets

    [Theory]
    // Bitcoin P2PKH and P2SH (Base58Check), case preserved.
    [InlineData("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "wallet:btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")]
    [InlineData("  1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 ", "wallet:btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")]
    [InlineData("bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=0.015&label=Betaling", "wallet:btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")]
    [InlineData("BITCOIN:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "wallet:btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")]
    [InlineData("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "wallet:btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")]
    [InlineData("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "wallet:btc:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")]
    // Bitcoin native segwit: Bech32 (v0) and Bech32m (v1+, BIP-350 vectors), stored lower-case.
    [InlineData("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "wallet:btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")]
    [InlineData("BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "wallet:btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")]
    [InlineData("bitcoin:BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ?amount=1", "wallet:btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")]
    [InlineData("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "wallet:btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")]
    [InlineData("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", "wallet:btc:bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3")]
    [InlineData("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "wallet:btc:bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0")]
    [InlineData("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", "wallet:btc:bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y")]
    [InlineData("BC1SW50QGDZ25J", "wallet:btc:bc1sw50qgdz25j")]
    [InlineData("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "wallet:btc:bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs")]
    // Litecoin
    [InlineData("Lg3PX8wRWmApFCoCMAsPF5P9dPHYQHEWKW", "wallet:ltc:Lg3PX8wRWmApFCoCMAsPF5P9dPHYQHEWKW")]
    [InlineData("LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm", "wallet:ltc:LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm")]
    [InlineData("MGEW4aba3tnrVtVhGcmoqqHaLt5ymPSLPi", "wallet:ltc:MGEW4aba3tnrVtVhGcmoqqHaLt5ymPSLPi")]
    [InlineData("ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dz", "wallet:ltc:ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dz")]
    [InlineData("LTC1QXTM55GULTQZHQZL2P3KS50HG2478Y3HEHUJ6DZ", "wallet:ltc:ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dz")]
    [InlineData("litecoin:Lg3PX8wRWmApFCoCMAsPF5P9dPHYQHEWKW?amount=1.5", "wallet:ltc:Lg3PX8wRWmApFCoCMAsPF5P9dPHYQHEWKW")]
    [InlineData("litecoin:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "wallet:ltc:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")] // legacy LTC P2SH shares BTC's version byte
    // Dogecoin
    [InlineData("DEa7damK8MsbdCJztidBasZKVsDLJifWfE", "wallet:doge:DEa7damK8MsbdCJztidBasZKVsDLJifWfE")]
    [InlineData("A6T5s5B1Saja9yAJWxQN8SNXvNzxaoFdcy", "wallet:doge:A6T5s5B1Saja9yAJWxQN8SNXvNzxaoFdcy")]
    // Tron
    [InlineData("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "wallet:trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")]
    [InlineData("tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "wallet:trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")]
    // Ethereum (EIP-55 test address): every casing is one wallet.
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")]
    [InlineData("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")]
    [InlineData("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")]
    [InlineData("0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")]
    [InlineData("ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")]
    [InlineData("ethereum:pay-0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed@1?value=2.014e18", "wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")]
    // Monero: standard, subaddress.
    [InlineData("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A", "wallet:xmr:44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A")]
    [InlineData("monero:44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A?tx_amount=0.25", "wallet:xmr:44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A")]
    [InlineData("888tNkZrPN6JsEgekjMnABU4TBzc2Dt29EPAvkRxbANsAnjyPbb3iQ1YBRk1UXcdRsiKc9dhwMVgN5S9cQUiyoogDavup3H", "wallet:xmr:888tNkZrPN6JsEgekjMnABU4TBzc2Dt29EPAvkRxbANsAnjyPbb3iQ1YBRk1UXcdRsiKc9dhwMVgN5S9cQUiyoogDavup3H")]
    public void Wallet_forms_map_to_one_key(string value, string expectedKey) =>
        Assert.Equal(expectedKey, KeyOf(IdentifierKind.CryptoWallet, value));

    [Fact]
    public void Wallet_canonical_value_and_chain_qualifier()
    {
        var identifier = Canonicalize(IdentifierKind.CryptoWallet, "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ").Identifier!;
        Assert.Equal(new CanonicalIdentifier(IdentifierKind.CryptoWallet, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "btc"), identifier);
    }

    [Theory]
    // Base58Check: one character changed, truncated, extended, outside the alphabet.
    [InlineData("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3")]
    [InlineData("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVn2")]
    [InlineData("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNV")]
    [InlineData("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN22")]
    [InlineData("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0")]
    [InlineData("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVNl")]
    [InlineData("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz")]
    [InlineData("Lg3PX8wRWmApFCoCMAsPF5P9dPHYQHEWKX")]
    [InlineData("DEa7damK8MsbdCJztidBasZKVsDLJifWfF")]
    [InlineData("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u")]
    [InlineData("5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ")] // a WIF private key, not an address
    // Bech32 / Bech32m: changed character, mixed case, wrong checksum variant, BIP-350 invalid vectors.
    [InlineData("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr")]
    [InlineData("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwF5mdq")]
    [InlineData("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mbq")]
    [InlineData("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd")]    // v1 with Bech32 checksum
    [InlineData("BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL")]   // v16 with Bech32 checksum
    [InlineData("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh")]                      // v0 with Bech32m checksum
    [InlineData("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4")]    // 'o' is not in the alphabet
    [InlineData("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R")]   // witness version 17
    [InlineData("bc1pw5dgrnzv")]                                                    // 1-byte program
    [InlineData("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav")] // 41-byte program
    [InlineData("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P")]                             // v0 with a 16-byte program
    [InlineData("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf")]  // more than 4 padding bits
    [InlineData("bc1gmk9yu")]                                                       // no data
    [InlineData("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx")] // pre-BIP-350 v1 encoding
    [InlineData("BC1SW50QA3JX3S")]
    [InlineData("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx")]                      // testnet
    [InlineData("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7")]
    [InlineData("ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dy")]
    [InlineData("bc1q ar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")]
    // Ethereum: wrong length or not hex.
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg")]
    [InlineData("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    // Monero: a character outside Base58, or one character short.
    [InlineData("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP30")]
    [InlineData("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3")]
    // URIs: scheme and address disagree, unknown schemes, contract calls.
    [InlineData("bitcoin:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("litecoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")]
    [InlineData("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a")]
    [InlineData("solana:EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")]
    [InlineData("ethereum:0xdac17f958d2ee523a2206206994597c13d831ec7/transfer?address=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    // Other chains and noise.
    [InlineData("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")]
    [InlineData("hello")]
    [InlineData("snap_user")]
    public void Invalid_wallets_are_refused_on_value(string value) =>
        Assert.Equal("value", ViolationOf(IdentifierKind.CryptoWallet, value).Field);

    [Fact]
    public void Wallet_violations_are_specific()
    {
        Assert.Contains("mistyped", ViolationOf(IdentifierKind.CryptoWallet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3").Description);
        Assert.Contains("mistyped", ViolationOf(IdentifierKind.CryptoWallet, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr").Description);
        Assert.Contains("mistyped", ViolationOf(IdentifierKind.CryptoWallet, "ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dy").Description);
        Assert.Contains("Bech32 checksum", ViolationOf(IdentifierKind.CryptoWallet, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh").Description);
        Assert.Contains("Bech32m", ViolationOf(IdentifierKind.CryptoWallet, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd").Description);
        Assert.Contains("mixed", ViolationOf(IdentifierKind.CryptoWallet, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwF5mdq").Description);
        var unknown = ViolationOf(IdentifierKind.CryptoWallet, "hello").Description;
        foreach (var accepted in new[] { "Bitcoin", "Litecoin", "Ethereum", "Tron", "Monero" }) Assert.Contains(accepted, unknown);
    }

    // ---------------------------------------------------------------- IP addresses

    [Theory]
    [InlineData("192.0.2.1", "ip:192.0.2.1")]
    [InlineData("  192.0.2.1 ", "ip:192.0.2.1")]
    [InlineData("::ffff:192.0.2.1", "ip:192.0.2.1")]                          // IPv4-mapped IPv6
    [InlineData("::FFFF:192.0.2.1", "ip:192.0.2.1")]
    [InlineData("[::ffff:192.0.2.1]", "ip:192.0.2.1")]
    [InlineData("0:0:0:0:0:ffff:c000:0201", "ip:192.0.2.1")]
    [InlineData("203.0.113.255", "ip:203.0.113.255")]
    [InlineData("8.8.8.8", "ip:8.8.8.8")]
    [InlineData("1.0.0.0", "ip:1.0.0.0")]
    [InlineData("2001:db8::1", "ip:2001:db8::1")]
    [InlineData("2001:DB8::1", "ip:2001:db8::1")]
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001", "ip:2001:db8::1")]
    [InlineData("2001:db8:0:0:0:0:0:1", "ip:2001:db8::1")]
    [InlineData("[2001:db8::1]", "ip:2001:db8::1")]
    [InlineData("2A02:A44B:EF3A:0001:E4D5:F6A7:B8C9:D0E1", "ip:2a02:a44b:ef3a:1:e4d5:f6a7:b8c9:d0e1")]
    public void Ip_forms_map_to_one_key(string value, string expectedKey) =>
        Assert.Equal(expectedKey, KeyOf(IdentifierKind.IpAddress, value, observedAt: Seen));

    [Theory]
    [InlineData("1.2.3")]
    [InlineData("1")]
    [InlineData("3221225985")]        // 192.0.2.1 as one decimal number
    [InlineData("010.1.1.1")]         // octal to some parsers
    [InlineData("192.0.2.01")]
    [InlineData("0x7f.1.1.1")]
    [InlineData("192.0.2.256")]
    [InlineData("1.2.3.4.5")]
    [InlineData("192.0.2.")]
    [InlineData("192. 0.2.1")]
    [InlineData("١٩٢.0.2.1")]
    [InlineData("192.0.2.1:443")]     // with a port
    [InlineData("[2001:db8::1]:443")]
    [InlineData("fe80::1%eth0")]      // zone
    [InlineData("2001:db8::g")]
    [InlineData("2001:db8:::1")]
    [InlineData("2001:db8::1::2")]
    [InlineData("10.1.2.3")]          // addresses shared by countless networks
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("127.0.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("169.254.1.1")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("::ffff:192.168.1.1")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fd12:3456:789a::1")]
    [InlineData("ff02::1")]
    [InlineData("localhost")]
    public void Invalid_ip_addresses_are_refused_on_value(string value) =>
        Assert.Equal("value", ViolationOf(IdentifierKind.IpAddress, value, observedAt: Seen).Field);

    [Theory]
    [InlineData("172.15.255.255", "ip:172.15.255.255")] // just outside 172.16.0.0/12
    [InlineData("172.32.0.1", "ip:172.32.0.1")]
    [InlineData("100.63.255.255", "ip:100.63.255.255")] // just outside 100.64.0.0/10
    [InlineData("100.128.0.1", "ip:100.128.0.1")]
    [InlineData("223.255.255.255", "ip:223.255.255.255")]
    public void Public_addresses_next_to_shared_ranges_are_accepted(string value, string expectedKey) =>
        Assert.Equal(expectedKey, KeyOf(IdentifierKind.IpAddress, value, observedAt: Seen));

    [Fact]
    public void Ip_address_without_observation_time_is_refused_on_observed_at()
    {
        Assert.Equal("observed_at", ViolationOf(IdentifierKind.IpAddress, "192.0.2.1").Field);
        Assert.Equal("observed_at", ViolationOf(IdentifierKind.IpAddress, "192.0.2.1", observedAt: DateTimeOffset.UnixEpoch).Field);
        Assert.Equal("observed_at", ViolationOf(IdentifierKind.IpAddress, "192.0.2.1", observedAt: default(DateTimeOffset)).Field);
    }

    [Fact]
    public void Observation_time_is_not_part_of_the_ip_key() =>
        Assert.Equal(KeyOf(IdentifierKind.IpAddress, "192.0.2.1", observedAt: Seen), KeyOf(IdentifierKind.IpAddress, "192.0.2.1", observedAt: Seen.AddDays(30)));

    // ---------------------------------------------------------------- file hashes and perceptual hashes

    private const string Sha256OfAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private const string Md5OfAbc = "900150983cd24fb0d6963f7d28e17f72";
    private const string Pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    [Theory]
    [InlineData(IdentifierKind.FileHashSha256, Sha256OfAbc, "sha256:" + Sha256OfAbc)]
    [InlineData(IdentifierKind.FileHashSha256, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", "sha256:" + Sha256OfAbc)]
    [InlineData(IdentifierKind.FileHashSha256, "  " + Sha256OfAbc + "\n", "sha256:" + Sha256OfAbc)]
    [InlineData(IdentifierKind.FileHashSha256, "sha256:" + Sha256OfAbc, "sha256:" + Sha256OfAbc)]
    [InlineData(IdentifierKind.FileHashSha256, "SHA256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", "sha256:" + Sha256OfAbc)]
    [InlineData(IdentifierKind.FileHashSha256, "sha-256:" + Sha256OfAbc, "sha256:" + Sha256OfAbc)]
    [InlineData(IdentifierKind.FileHashMd5, Md5OfAbc, "md5:" + Md5OfAbc)]
    [InlineData(IdentifierKind.FileHashMd5, "900150983CD24FB0D6963F7D28E17F72", "md5:" + Md5OfAbc)]
    [InlineData(IdentifierKind.FileHashMd5, "md5:" + Md5OfAbc, "md5:" + Md5OfAbc)]
    [InlineData(IdentifierKind.FileHashMd5, "MD5:900150983CD24FB0D6963F7D28E17F72 ", "md5:" + Md5OfAbc)]
    [InlineData(IdentifierKind.PerceptualHash, Pdq, "pdq:" + Pdq)]
    [InlineData(IdentifierKind.PerceptualHash, "F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22", "pdq:" + Pdq)]
    [InlineData(IdentifierKind.PerceptualHash, "pdq:" + Pdq, "pdq:" + Pdq)]
    public void Hash_forms_map_to_one_key(IdentifierKind kind, string value, string expectedKey) =>
        Assert.Equal(expectedKey, KeyOf(kind, value));

    [Fact]
    public void The_same_hex_as_sha256_and_as_pdq_are_different_identifiers() =>
        Assert.NotEqual(KeyOf(IdentifierKind.FileHashSha256, Sha256OfAbc), KeyOf(IdentifierKind.PerceptualHash, Sha256OfAbc));

    [Theory]
    [InlineData(IdentifierKind.FileHashSha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a")]    // 63
    [InlineData(IdentifierKind.FileHashSha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015add")]  // 65
    [InlineData(IdentifierKind.FileHashSha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag")]   // not hex
    [InlineData(IdentifierKind.FileHashSha256, "ba7816bf 8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData(IdentifierKind.FileHashSha256, "a9993e364706816aba3e25717850c26c9cd0d89d")]                           // SHA-1
    [InlineData(IdentifierKind.FileHashSha256, Md5OfAbc)]
    [InlineData(IdentifierKind.FileHashSha256, "md5:" + Sha256OfAbc)]
    [InlineData(IdentifierKind.FileHashSha256, "sha1:a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData(IdentifierKind.FileHashSha256, "0x" + Sha256OfAbc)]
    [InlineData(IdentifierKind.FileHashSha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]   // empty file
    [InlineData(IdentifierKind.FileHashSha256, "0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData(IdentifierKind.FileHashSha256, "sha256:")]
    [InlineData(IdentifierKind.FileHashMd5, "900150983cd24fb0d6963f7d28e17f7")]
    [InlineData(IdentifierKind.FileHashMd5, "900150983cd24fb0d6963f7d28e17f722")]
    [InlineData(IdentifierKind.FileHashMd5, "900150983cd24fb0d6963f7d28e17f7z")]
    [InlineData(IdentifierKind.FileHashMd5, Sha256OfAbc)]
    [InlineData(IdentifierKind.FileHashMd5, "sha256:" + Md5OfAbc)]
    [InlineData(IdentifierKind.FileHashMd5, "d41d8cd98f00b204e9800998ecf8427e")]                                     // empty file
    [InlineData(IdentifierKind.PerceptualHash, "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b2")]
    [InlineData(IdentifierKind.PerceptualHash, "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b222")]
    [InlineData(IdentifierKind.PerceptualHash, "sha256:" + Pdq)]
    [InlineData(IdentifierKind.PerceptualHash, "0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData(IdentifierKind.PerceptualHash, "+PjwzuD0qE8GNwoiA49j8LNuLtWWYh4dM+aznE6cmyI=")]                        // base64, not hex
    public void Invalid_hashes_are_refused_on_value(IdentifierKind kind, string value) =>
        Assert.Equal("value", ViolationOf(kind, value).Field);

    [Fact]
    public void Hash_violation_names_the_likely_digest()
    {
        var violation = ViolationOf(IdentifierKind.FileHashSha256, "a9993e364706816aba3e25717850c26c9cd0d89d");
        Assert.Contains("64", violation.Description);
        Assert.Contains("SHA-1", violation.Description);
    }

    // ---------------------------------------------------------------- keys

    [Fact]
    public void Key_is_derived_from_kind_value_and_qualifier()
    {
        Assert.Equal("phone:+31612345678", new CanonicalIdentifier(IdentifierKind.PhoneNumber, "+31612345678", null).Key);
        Assert.Equal("email:a@b.nl", new CanonicalIdentifier(IdentifierKind.EmailAddress, "a@b.nl", null).Key);
        Assert.Equal("account:snapchat:snap_user", new CanonicalIdentifier(IdentifierKind.PlatformAccount, "snap_user", "snapchat").Key);
        Assert.Equal("iban:NL91ABNA0417164300", new CanonicalIdentifier(IdentifierKind.Iban, "NL91ABNA0417164300", null).Key);
        Assert.Equal("wallet:eth:0xab", new CanonicalIdentifier(IdentifierKind.CryptoWallet, "0xab", "eth").Key);
        Assert.Equal("ip:192.0.2.1", new CanonicalIdentifier(IdentifierKind.IpAddress, "192.0.2.1", null).Key);
        Assert.Equal("sha256:ab", new CanonicalIdentifier(IdentifierKind.FileHashSha256, "ab", null).Key);
        Assert.Equal("md5:ab", new CanonicalIdentifier(IdentifierKind.FileHashMd5, "ab", null).Key);
        Assert.Equal("pdq:ab", new CanonicalIdentifier(IdentifierKind.PerceptualHash, "ab", null).Key);

        var snapchat = new CanonicalIdentifier(IdentifierKind.PlatformAccount, "snap_user", "snapchat");
        Assert.Equal("account:instagram:snap_user", (snapchat with { Qualifier = "instagram" }).Key);
    }
}
