/* Ed25519 through libsodium; base64 in its original variant with padding. */
#include <string.h>

#include <sodium.h>

#include "rumbook/signature.h"

int rb_crypto_init(rb_error *err)
{
    if (sodium_init() < 0)
        return rb_error_set(err, RB_EIO, "could not initialise libsodium");
    return 0;
}

int rb_keypair_new(unsigned char public_key[RB_KEY_LEN], unsigned char seed[RB_KEY_LEN],
                   rb_error *err)
{
    unsigned char secret[crypto_sign_SECRETKEYBYTES];

    if (rb_crypto_init(err) < 0)
        return err->code;
    randombytes_buf(seed, RB_KEY_LEN);
    crypto_sign_seed_keypair(public_key, secret, seed);
    sodium_memzero(secret, sizeof(secret));
    return 0;
}

int rb_key_parse(const char *text, unsigned char key[RB_KEY_LEN], rb_error *err)
{
    size_t len = 0;
    const char *end = NULL;

    if (sodium_base642bin(key, RB_KEY_LEN, text, strlen(text), " \t\r\n", &len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len != RB_KEY_LEN || strspn(end, " \t\r\n") != strlen(end))
        return rb_error_set(err, RB_EINVAL,
                            "a key must be 32 bytes in base64 (44 characters), one line");
    return 0;
}

void rb_key_format(const unsigned char key[RB_KEY_LEN], char out[RB_KEY_B64_LEN])
{
    sodium_bin2base64(out, RB_KEY_B64_LEN, key, RB_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

void rb_signer_init(rb_signer *s, const unsigned char seed[RB_KEY_LEN])
{
    unsigned char public_key[crypto_sign_PUBLICKEYBYTES];

    crypto_sign_seed_keypair(public_key, s->secret, seed);
}

void rb_signer_public_key(const rb_signer *s, unsigned char public_key[RB_KEY_LEN])
{
    crypto_sign_ed25519_sk_to_pk(public_key, s->secret);
}

void rb_sign(const rb_signer *s, const void *msg, size_t len, char out[RB_SIGNATURE_B64_LEN])
{
    unsigned char sig[crypto_sign_BYTES];

    crypto_sign_detached(sig, NULL, msg, len, s->secret);
    sodium_bin2base64(out, RB_SIGNATURE_B64_LEN, sig, sizeof(sig),
                      sodium_base64_VARIANT_ORIGINAL);
}

void rb_signer_fini(rb_signer *s)
{
    sodium_memzero(s->secret, sizeof(s->secret));
}

bool rb_signature_verify(const unsigned char public_key[RB_KEY_LEN], const void *msg, size_t len,
                         const char *sig, size_t sig_len)
{
    unsigned char raw[crypto_sign_BYTES];
    size_t got = 0;
    const char *end = NULL;

    if (sig_len > RB_SIGNATURE_B64_LEN ||
        sodium_base642bin(raw, sizeof(raw), sig, sig_len, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != sizeof(raw) || end != sig + sig_len)
        return false;
    return crypto_sign_verify_detached(raw, msg, len, public_key) == 0;
}
