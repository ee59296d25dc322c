using System.Net;
using Xunit;

namespace Gadget.Gadgets.Tests;

/// <summary>The DNS message parser of trace dns, on messages written byte by byte here (RFC 1035 wire format).</summary>
public sealed class DnsMessageTests
{
    [Fact]
    public void AQuery_HeaderAndQuestion()
    {
        var query = DnsWire.Query(0xBEEF, "www.example.test", 1);
        var message = DnsMessage.Parse(query);
        Assert.Null(message.Error);
        Assert.Equal(0xBEEF, message.Id);
        Assert.False(message.IsResponse);
        Assert.Equal(0, message.OpCode);
        Assert.Equal("www.example.test", message.Name);
        Assert.Equal(1, message.QueryType);
        Assert.Equal(0, message.AnswerCount);
        Assert.Empty(message.Addresses);
    }

    [Fact]
    public void AResponse_AnswersThroughACompressionPointer()
    {
        // The answer's name is a pointer (0xC00C) to the question's name at offset 12.
        var response = DnsWire.Response(0x1234, "svc.example.test", 1, rcode: 0, [DnsWire.Answer(1, [10, 1, 2, 3]), DnsWire.Answer(1, [10, 1, 2, 4])]);
        var message = DnsMessage.Parse(response);
        Assert.Null(message.Error);
        Assert.True(message.IsResponse);
        Assert.Equal(0x1234, message.Id);
        Assert.Equal("svc.example.test", message.Name);
        Assert.Equal(2, message.AnswerCount);
        Assert.Equal([IPAddress.Parse("10.1.2.3"), IPAddress.Parse("10.1.2.4")], message.Addresses);
    }

    [Fact]
    public void AAAAResponse()
    {
        var address = IPAddress.Parse("fd00::53:1");
        var response = DnsWire.Response(7, "six.example.test", 28, rcode: 0, [DnsWire.Answer(28, address.GetAddressBytes())]);
        var message = DnsMessage.Parse(response);
        Assert.Null(message.Error);
        Assert.Equal(28, message.QueryType);
        Assert.Equal([address], message.Addresses);
    }

    [Fact]
    public void CnameThenA_OnlyTheAddressIsAnAddress()
    {
        // A CNAME's data is a name (a label + a pointer to the question's parent domain), then the A record of the target.
        byte[] cname = [5, (byte)'a', (byte)'l', (byte)'i', (byte)'a', (byte)'s', 0xC0, 12 + 4];
        var response = DnsWire.Response(9, "www.example.test", 1, rcode: 0, [DnsWire.Answer(5, cname), DnsWire.Answer(1, [192, 0, 2, 1])]);
        var message = DnsMessage.Parse(response);
        Assert.Null(message.Error);
        Assert.Equal(2, message.AnswerCount);
        Assert.Equal([IPAddress.Parse("192.0.2.1")], message.Addresses);
    }

    [Fact]
    public void NxDomain()
    {
        var response = DnsWire.Response(0x0102, "missing.example.test", 1, rcode: 3, []);
        var message = DnsMessage.Parse(response);
        Assert.Null(message.Error);
        Assert.True(message.IsResponse);
        Assert.Equal(3, message.ResponseCode);
        Assert.Equal("NXDOMAIN", DnsNames.ResponseCode(message.ResponseCode));
        Assert.Empty(message.Addresses);
    }

    [Fact]
    public void CompressionLoop_IsMalformed()
    {
        // Question name at 12: label "a", then a pointer back to 12: a -> a -> a ... forever.
        byte[] message = [.. DnsWire.Header(1, 0x0100, questions: 1, answers: 0), 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1];
        var parsed = DnsMessage.Parse(message);
        Assert.True(parsed.IsMalformed);
        Assert.Contains("loop", parsed.Error, StringComparison.Ordinal);
        Assert.Equal(1, parsed.Id); // the header was read
    }

    [Fact]
    public void PointerToItself_IsMalformed()
    {
        byte[] message = [.. DnsWire.Header(1, 0x0100, questions: 1, answers: 0), 0xC0, 12, 0, 1, 0, 1];
        var parsed = DnsMessage.Parse(message);
        Assert.True(parsed.IsMalformed);
        Assert.StartsWith("malformed", parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void PointerPastTheEnd_IsMalformed()
    {
        byte[] message = [.. DnsWire.Header(1, 0x0100, questions: 1, answers: 0), 0xC0, 200];
        Assert.True(DnsMessage.Parse(message).IsMalformed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(11)]
    public void ShorterThanAHeader_IsMalformed(int length)
    {
        var parsed = DnsMessage.Parse(new byte[length]);
        Assert.True(parsed.IsMalformed);
        Assert.Contains("shorter than a DNS header", parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTruncation_IsMalformed_NeverAnException()
    {
        var response = DnsWire.Response(0x4242, "cut.example.test", 1, rcode: 0, [DnsWire.Answer(1, [10, 9, 8, 7])]);
        Assert.Null(DnsMessage.Parse(response).Error);
        for (var length = 0; length < response.Length; length++)
        {
            var parsed = DnsMessage.Parse(response.AsSpan(0, length));
            Assert.True(parsed.IsMalformed, $"{length} bytes");
            Assert.StartsWith("malformed", parsed.Error, StringComparison.Ordinal);
            if (length >= 12)
            {
                Assert.Equal(0x4242, parsed.Id);
                Assert.True(parsed.IsResponse);
            }
        }
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(18);
        var buffer = new byte[64];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            var parsed = DnsMessage.Parse(buffer.AsSpan(0, random.Next(buffer.Length + 1)));
            Assert.NotNull(parsed);
        }
    }

    [Fact]
    public void UnusualBytesInALabel_AreEscaped()
    {
        byte[] message = [.. DnsWire.Header(1, 0x0100, questions: 1, answers: 0), 3, (byte)'a', (byte)'.', 0x07, 0, 0, 1, 0, 1];
        Assert.Equal("a\\.\\007", DnsMessage.Parse(message).Name);
    }
}
