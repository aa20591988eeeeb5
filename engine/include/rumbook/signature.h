/* Ed25519 signatures of commands (libsodium): a portal signs each
 * command's payload bytes with its secret key, a worker verifies them
 * with the portal's registered public key. Keys and signatures travel as
 * standard base64 with padding (what Python's base64.b64encode writes).
 *
 * A secret key is the 32-byte seed (what PyNaCl's SigningKey takes); the
 * public key is 32 bytes. Plain values, no I/O but the random source of
 * rb_keypair_new(). rb_crypto_init() once before any other call. */
#ifndef RUMBOOK_SIGNATURE_H
#define RUMBOOK_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>

#include "rumbook/error.h"

#define RB_KEY_LEN 32
#define RB_KEY_B64_LEN 45       /* base64 of 32 bytes, with NUL */
#define RB_SIGNATURE_B64_LEN 89 /* base64 of 64 bytes, with NUL */

typedef struct rb_signer {
    unsigned char secret[64]; /* libsodium's expanded form: seed and public key */
} rb_signer;

int rb_crypto_init(rb_error *err) RB_MUSTCHECK;

/* A new key pair: the seed is the secret to keep. */
int rb_keypair_new(unsigned char public_key[RB_KEY_LEN], unsigned char seed[RB_KEY_LEN],
                   rb_error *err) RB_MUSTCHECK;

/* Reads a key written by rb_key_format() (blanks around it ignored). */
int rb_key_parse(const char *text, unsigned char key[RB_KEY_LEN], rb_error *err) RB_MUSTCHECK;
void rb_key_format(const unsigned char key[RB_KEY_LEN], char out[RB_KEY_B64_LEN]);

/* The public key of a seed. */
void rb_signer_init(rb_signer *s, const unsigned char seed[RB_KEY_LEN]);
void rb_signer_public_key(const rb_signer *s, unsigned char public_key[RB_KEY_LEN]);
/* The detached signature of msg, as base64. */
void rb_sign(const rb_signer *s, const void *msg, size_t len, char out[RB_SIGNATURE_B64_LEN]);
/* Wipes the secret. */
void rb_signer_fini(rb_signer *s);

/* True when sig (base64, sig_len bytes, not NUL-terminated) is public_key's
 * signature of msg. */
bool rb_signature_verify(const unsigned char public_key[RB_KEY_LEN], const void *msg, size_t len,
                         const char *sig, size_t sig_len);

#endif
