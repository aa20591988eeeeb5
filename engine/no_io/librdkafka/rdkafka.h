/* Placed first on the include path of the pure layers (util, rules, wire,
 * batch): a file there that reaches for librdkafka/rdkafka.h fails to compile. Rules do no
 * I/O; the PostgreSQL and Kafka edges live in pg/, store/, import/, relay/. */
#error "librdkafka/rdkafka.h in a pure layer: rules, wire and batch code does no I/O"
