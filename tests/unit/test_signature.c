/* Ed25519 signatures as portals make them and workers check them: a
 * round trip, every single-bit change of the payload or the signature
 * refused, keys and signatures in and out of base64, and a known answer
 * (RFC 8032, test 2) so that another library's signatures verify. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rumbook/signature.h"

static void from_hex(const char *hex, unsigned char *out, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char b[3] = {hex[2 * i], hex[2 * i + 1], 0};
        out[i] = (unsigned char)strtoul(b, NULL, 16);
    }
}

static void test_round_trip_and_tampering(void)
{
    unsigned char pub[RB_KEY_LEN], seed[RB_KEY_LEN], again[RB_KEY_LEN];
    unsigned char msg[64];
    char sig[RB_SIGNATURE_B64_LEN], text[RB_KEY_B64_LEN + 2];
    rb_signer signer;
    rb_error err;
    size_t i;
    int bit, refused = 0, flips = 0;

    CHECK(rb_keypair_new(pub, seed, &err) == 0);
    rb_signer_init(&signer, seed);
    rb_signer_public_key(&signer, again);
    CHECK(memcmp(pub, again, RB_KEY_LEN) == 0);
    for (i = 0; i < sizeof(msg); i++)
        msg[i] = (unsigned char)(i * 7);
    rb_sign(&signer, msg, sizeof(msg), sig);
    CHECK(strlen(sig) == 88);
    CHECK(rb_signature_verify(pub, msg, sizeof(msg), sig, strlen(sig)));
    for (i = 0; i < sizeof(msg); i++)
        for (bit = 0; bit < 8; bit++) {
            msg[i] ^= (unsigned char)(1 << bit);
            refused += !rb_signature_verify(pub, msg, sizeof(msg), sig, strlen(sig));
            msg[i] ^= (unsigned char)(1 << bit);
            flips++;
        }
    CHECK(refused == flips);
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    CHECK(!rb_signature_verify(pub, msg, sizeof(msg), sig, strlen(sig)));
    CHECK(!rb_signature_verify(pub, msg, sizeof(msg), sig, 40));      /* cut short */
    CHECK(!rb_signature_verify(pub, msg, sizeof(msg), "not base64!", 11));
    CHECK(!rb_signature_verify(pub, msg, sizeof(msg), "", 0));
    rb_key_format(pub, text);
    CHECK(strlen(text) == 44);
    strcat(text, "\n");
    CHECK(rb_key_parse(text, again, &err) == 0 && memcmp(pub, again, RB_KEY_LEN) == 0);
    CHECK(rb_key_parse("AAAA", again, &err) == RB_EINVAL);
    CHECK(rb_key_parse("", again, &err) == RB_EINVAL);
    rb_signer_fini(&signer);
}

/* RFC 8032 section 7.1, TEST 2: a one-byte message. */
static void test_known_answer(void)
{
    unsigned char seed[RB_KEY_LEN], pub[RB_KEY_LEN], expect_pub[RB_KEY_LEN], msg[1] = {0x72};
    char sig[RB_SIGNATURE_B64_LEN], pub_text[RB_KEY_B64_LEN];
    rb_signer signer;
    rb_error err;

    from_hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", seed, 32);
    from_hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", expect_pub, 32);
    CHECK(rb_crypto_init(&err) == 0);
    rb_signer_init(&signer, seed);
    rb_signer_public_key(&signer, pub);
    CHECK(memcmp(pub, expect_pub, RB_KEY_LEN) == 0);
    rb_sign(&signer, msg, 1, sig);
    /* base64 of the RFC's signature 92a009a9...12bb0c00, as another library sends it */
    CHECK(strcmp(sig, "kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbadoIWsHkPhWZbkWPNhPQ8R2MOHsu"
                      "rrQwKu6wDSkWErsMAA==") == 0);
    CHECK(rb_signature_verify(expect_pub, msg, 1, sig, strlen(sig)));
    rb_key_format(expect_pub, pub_text);
    CHECK(strcmp(pub_text, "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=") == 0);
    rb_signer_fini(&signer);
}

int main(void)
{
    test_round_trip_and_tampering();
    test_known_answer();
    return check_done("signature");
}
