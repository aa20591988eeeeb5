/* libFuzzer target: any bytes as a portal's rumbook-signature header and
 * payload, and as a key file. The first byte says where the header ends.
 * Nothing may crash or read out of bounds; a header that verifies must be
 * the real signature of the payload (it is, when the input is built from
 * one: then every changed payload byte must fail). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rb_signer signer;
static unsigned char public_key[RB_KEY_LEN];
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char seed[RB_KEY_LEN] = {7}, key[RB_KEY_LEN];
    char real[RB_SIGNATURE_B64_LEN], text[256];
    const char *header;
    const uint8_t *payload;
    size_t hlen, plen;
    rb_error err;

    if (!ready) {
        if (rb_crypto_init(&err) < 0)
            abort();
        rb_signer_init(&signer, seed);
        rb_signer_public_key(&signer, public_key);
        ready = 1;
    }
    if (size == 0)
        return 0;
    hlen = data[0] < size - 1 ? data[0] : size - 1;
    header = (const char *)data + 1;
    payload = data + 1 + hlen;
    plen = size - 1 - hlen;
    rb_sign(&signer, payload, plen, real);
    if (rb_signature_verify(public_key, payload, plen, header, hlen) &&
        (hlen != strlen(real) || memcmp(header, real, hlen) != 0)) {
        /* another encoding of the same signature would do; another signature must not */
        unsigned char *copy = malloc(plen + 1);
        memcpy(copy, payload, plen);
        copy[plen] = 0;
        if (plen && (copy[0] ^= 1, rb_signature_verify(public_key, copy, plen, header, hlen)))
            abort();
        free(copy);
    }
    if (!rb_signature_verify(public_key, payload, plen, real, strlen(real)))
        abort();
    memcpy(text, data, size < sizeof(text) - 1 ? size : sizeof(text) - 1);
    text[size < sizeof(text) - 1 ? size : sizeof(text) - 1] = '\0';
    if (rb_key_parse(text, key, &err) == 0) {
        char back[RB_KEY_B64_LEN];
        rb_key_format(key, back);
        if (strlen(back) != 44)
            abort();
    }
    return 0;
}
