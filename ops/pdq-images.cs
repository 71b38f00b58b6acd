#:project ../src/EvidenceHub.Media/EvidenceHub.Media.csproj
#:property PublishAot=false
// Writes the PDQ test images (EvidenceHub.Media.Samples.SyntheticImages) into a folder, with a manifest that
// ops/pdq-reference.sh joins to the reference hasher's output. Usage: dotnet run ops/pdq-images.cs -- DIR
using System.Security.Cryptography;
using EvidenceHub.Media.Samples;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet run ops/pdq-images.cs -- DIR");
    return 2;
}
Directory.CreateDirectory(args[0]);
using var manifest = new StreamWriter(Path.Combine(args[0], "manifest.tsv"));
foreach (var image in SyntheticImages.All(SyntheticImages.DefaultSeed))
{
    File.WriteAllBytes(Path.Combine(args[0], image.Name), image.Bytes);
    manifest.WriteLine(string.Join('\t', image.Name, image.Kind, image.Transform, image.Original ?? "-",
        Convert.ToHexStringLower(SHA256.HashData(image.Bytes))));
}
return 0;
