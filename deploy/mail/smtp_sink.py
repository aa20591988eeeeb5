"""A local SMTP server's handler (Debian's python3-aiosmtpd) for the demo and
the tests, standing in for a municipality's mail server: not the product.

Keeps every message it accepts as a file in $SINK_DIR (NNNN-recipient.eml),
answers 451 to the first $SINK_TEMP_FAILS DATA commands, and 550 at RCPT to
$SINK_REJECT. Run: python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink
"""
import os


class Sink:
    def __init__(self):
        self.dir = os.environ["SINK_DIR"]
        self.temp_fails = int(os.environ.get("SINK_TEMP_FAILS", "0"))
        self.reject = os.environ.get("SINK_REJECT", "")
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.reject:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.temp_fails > 0:
            self.temp_fails -= 1
            return "451 4.3.0 try again later"
        self.count += 1
        for rcpt in envelope.rcpt_tos:
            path = os.path.join(self.dir, "%04d-%s.eml" % (self.count, rcpt))
            with open(path + ".tmp", "wb") as f:
                f.write(envelope.original_content)
            os.rename(path + ".tmp", path)
        return "250 OK queued"
