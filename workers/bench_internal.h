/* The benchmarks' parts: bench.c drives rounds of the real pipeline,
 * bench_anchor.c measures the plain-SQL anchor on the same server,
 * bench_sql.c runs one-off statements (also for bench_allocation.c). */
#ifndef RUMBOOK_BENCH_INTERNAL_H
#define RUMBOOK_BENCH_INTERNAL_H

#include <stdbool.h>

/* Runs sql (several statements allowed) on database db of server; -1
 * after saying why. */
int bench_sql_on(const char *server, const char *db, const char *sql);

/* Books requests through the anchor (bench_anchor.c); *per_second is
 * requests decided per second. */
int bench_anchor(const char *server, long requests, double *per_second);

/* Mails n invitations through rumbook-mailer to the SMTP server at
 * smtp_url (bench_mail.c); *per_second is messages sent per second. */
int bench_mail(const char *server, const char *brokers, const char *bindir, const char *smtp_url,
               long n, double *per_second);

#endif
