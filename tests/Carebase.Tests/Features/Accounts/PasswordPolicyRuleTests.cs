using Carebase.Api.Platform.Auth;
using Carebase.Api.Platform.Errors;

namespace Carebase.Tests.Features.Accounts;

/// <summary>Plain rules, without the host.</summary>
public sealed class PasswordPolicyRuleTests
{
    [Theory]
    [InlineData("password1234", true)]
    [InlineData("PASSWORD!!!!", true)]
    [InlineData("qwertyuiop12", true)]
    [InlineData("123456789012", true)]
    [InlineData("aaaaaaaaaaaa", true)]
    [InlineData("abababababab", true)]
    [InlineData("Welcome2026!", true)]
    [InlineData("Correct-Horse-Battery-9", false)]
    [InlineData("tulip-harbor-quietly-17", false)]
    public void Common_passwords_are_recognised_also_with_suffixes(string password, bool common) =>
        Assert.Equal(common, PasswordPolicy.IsCommon(password));

    [Theory]
    [InlineData("ana@example.org", true)]
    [InlineData("o'brien+ward@hospital.co.uk", true)]
    [InlineData("no-at-sign.example.org", false)]
    [InlineData("two@@example.org", false)]
    [InlineData("spaces in@example.org", false)]
    [InlineData("nodot@example", false)]
    public void Email_shape(string email, bool valid) => Assert.Equal(valid, FieldErrors.IsEmail(email));
}
