/* rumbookctl's subcommands; each returns the process exit code. */
#ifndef RUMBOOK_CTL_INTERNAL_H
#define RUMBOOK_CTL_INTERNAL_H

#include <stdbool.h>

#include "rumbook/config.h"

int ctl_submit(rb_config *cfg, int argc, char **argv);
int ctl_watch(rb_config *cfg, int argc, char **argv);
int ctl_migrate(rb_config *cfg, int argc, char **argv);
int ctl_catalog(rb_config *cfg, int argc, char **argv);
int ctl_topics(rb_config *cfg, int argc, char **argv);
int ctl_calendar(rb_config *cfg, int argc, char **argv);
int ctl_travel(rb_config *cfg, int argc, char **argv);

/* Takes --brokers/--dsn/--topic-* at argv[*i] into cfg; true if it did. */
bool ctl_common_flag(rb_config *cfg, int argc, char **argv, int *i);

#endif
