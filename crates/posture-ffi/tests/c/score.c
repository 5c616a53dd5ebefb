/* A C host of Posture's ABI: scores a document, reads an input error,
 * aggregates a portfolio, plans, reads the catalog, runs a workflow store,
 * and frees everything (the test runs it under valgrind when present). */
#include "posture.h"
#include <stdio.h>
#include <string.h>

#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); return 1; } } while (0)

static const char *DOC =
  "{\"organization\": \"acme\", \"as_of\": \"2026-11-01T00:00:00Z\","
  " \"assets\": [\"acme.example\", \"192.0.2.0/28\"],"
  " \"findings\": [{\"issue\": \"service_rdp\", \"asset\": \"192.0.2.7\","
  " \"first_seen\": \"2026-10-01T00:00:00Z\", \"last_seen\": \"2026-10-30T00:00:00Z\", \"status\": \"open\"}]}";

int main(int argc, char **argv) {
  const char *store_path = argc > 1 ? argv[1] : "posture-c-test.sqlite";
  char *out = NULL;

  CHECK(strcmp(posture_version(), "0.1.0") == 0, "version %s", posture_version());

  /* Score one document. */
  posture_result r = posture_score(DOC, strlen(DOC), &out);
  CHECK(r == POSTURE_OK, "score: %d %s", r, posture_last_error());
  CHECK(posture_last_error() == NULL, "no error after success");
  CHECK(strstr(out, "\"organization\":\"acme\"") != NULL, "scorecard: %s", out);
  CHECK(strstr(out, "\"grade\":") != NULL, "grade: %s", out);
  printf("%s", out);
  posture_free(out);
  out = NULL;

  /* A bad document: invalid input, a located message, nothing out. */
  const char *bad = "{\"organization\": \"x\", \"as_of\": \"2026-11-01T00:00:00Z\", \"assets\": [\"x.example\"],"
                    " \"findings\": [{\"issue\": \"spf_missing\", \"asset\": \"x.example\","
                    " \"first_seen\": \"2026-10-01T00:00:00Z\", \"last_seen\": \"2026-10-02T00:00:00Z\", \"status\": \"closed\"}]}";
  r = posture_score(bad, strlen(bad), &out);
  CHECK(r == POSTURE_INVALID_INPUT, "bad: %d", r);
  CHECK(out == NULL, "nothing out on failure");
  const char *e = posture_last_error();
  CHECK(e != NULL && strstr(e, "findings[0].status") != NULL, "error: %s", e ? e : "(null)");
  printf("error: %s\n", e);

  /* NULL arguments and bytes that are not UTF-8. */
  CHECK(posture_score(NULL, 3, &out) == POSTURE_NULL_ARGUMENT, "null input");
  CHECK(posture_score(DOC, strlen(DOC), NULL) == POSTURE_NULL_ARGUMENT, "null out");
  CHECK(posture_score("\xff\xfe", 2, &out) == POSTURE_INVALID_INPUT, "not utf-8");

  /* Improve to an A, then aggregate a portfolio, then read the catalog. */
  r = posture_improve(DOC, strlen(DOC), "A", &out);
  CHECK(r == POSTURE_OK, "improve: %d %s", r, posture_last_error());
  CHECK(strstr(out, "\"issue\":\"service_rdp\"") != NULL, "plan: %s", out);
  posture_free(out);
  CHECK(posture_improve(DOC, strlen(DOC), "Z", &out) == POSTURE_INVALID_INPUT, "bad target");
  CHECK(strncmp(posture_last_error(), "target: ", 8) == 0, "target error: %s", posture_last_error());

  const char *portfolio = "{\"organization\": \"acme\", \"as_of\": \"2026-11-01T00:00:00Z\","
    " \"domains\": [{\"domain\": \"acme.example\", \"assets\": [], \"findings\": []}], \"vendors\": []}";
  r = posture_csr(portfolio, strlen(portfolio), &out);
  CHECK(r == POSTURE_OK, "csr: %d %s", r, posture_last_error());
  CHECK(strstr(out, "\"csr\":\"100.00\"") != NULL, "csr: %s", out);
  posture_free(out);

  r = posture_catalog(&out);
  CHECK(r == POSTURE_OK && strstr(out, "\"service_rdp\"") != NULL, "catalog");
  posture_free(out);

  /* A workflow store: apply commands, query a plan, close. */
  posture_store *store = NULL;
  remove(store_path);
  r = posture_store_open(store_path, &store);
  CHECK(r == POSTURE_OK && store != NULL, "open: %d %s", r, posture_last_error());
  const char *cmds =
    "{\"actor\": \"host\", \"at\": \"2026-11-01T00:00:00Z\", \"command\": {\"type\": \"register_organization\", \"org\": \"acme\", \"name\": \"Acme\", \"domains\": [\"acme.example\"]}}\n"
    "{\"actor\": \"host\", \"at\": \"2026-11-01T00:00:00Z\", \"command\": {\"type\": \"register_organization\", \"org\": \"pay\", \"name\": \"Pay\", \"domains\": [\"pay.example\"]}}\n"
    "{\"actor\": \"host\", \"at\": \"2026-11-01T00:00:00Z\", \"command\": {\"type\": \"register_user\", \"user\": \"alice\", \"org\": \"acme\", \"name\": \"Alice\", \"email\": \"alice@acme.example\"}}\n"
    "{\"actor\": \"host\", \"at\": \"2026-11-01T00:00:00Z\", \"command\": {\"type\": \"register_user\", \"user\": \"victor\", \"org\": \"pay\", \"name\": \"Victor\", \"email\": \"victor@pay.example\"}}\n"
    "{\"actor\": \"alice\", \"at\": \"2026-11-01T00:00:00Z\", \"command\": {\"type\": \"create_plan\", \"plan\": \"p1\", \"vendor\": \"pay\", \"assignee\": \"victor\", \"title\": \"SPF\", \"target\": {\"grade\": \"B\"}, \"due\": \"2026-12-01T00:00:00Z\"}}\n"
    "not a command\n";
  r = posture_store_apply(store, cmds, strlen(cmds), &out);
  CHECK(r == POSTURE_OK, "apply: %d %s", r, posture_last_error());
  CHECK(strstr(out, "line 6") != NULL, "in-band refusal: %s", out);
  posture_free(out);
  r = posture_store_query(store, "{\"query\": \"plan\", \"actor\": \"alice\", \"plan\": \"p1\"}", &out);
  CHECK(r == POSTURE_OK && strstr(out, "\"title\":\"SPF\"") != NULL, "query: %d %s", r, posture_last_error());
  posture_free(out);
  r = posture_store_query(store, "{\"query\": \"plan\", \"actor\": \"victor\", \"plan\": \"acme/p1\"}", &out);
  CHECK(r == POSTURE_INVALID_INPUT, "a draft is not the vendor's to see: %d", r);
  posture_store_close(store);
  remove(store_path);

  posture_free(NULL);
  posture_store_close(NULL);
  puts("ok");
  return 0;
}
