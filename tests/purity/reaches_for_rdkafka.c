/* A rule that reaches for I/O: must not compile in a pure layer
 * (tests/CMakeLists.txt compiles it as engine/CMakeLists.txt compiles rules/). */
#include "rumbook/decision.h"
#include <librdkafka/rdkafka.h>
