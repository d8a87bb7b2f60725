import ImageInbox
import Testing

struct URLUserinfoTests {
    @Test func userAndPasswordAreRemovedFromEveryURLInAText() {
        #expect(
            URLUserinfo.redacted("Can't reach the images API at https://bob:hunter2@proxy.example:8443/v1: refused; also http://alice@host/x.")
                == "Can't reach the images API at https://…@proxy.example:8443/v1: refused; also http://…@host/x."
        )
        #expect(URLUserinfo.redacted("mail bob@example.com about https://example.com/a@b") == "mail bob@example.com about https://example.com/a@b")
        #expect(URLUserinfo.redacted("postgres://ledger:s3cret@db:5432/inbox") == "postgres://…@db:5432/inbox")
    }
}
