/* What the parts of modelwatch._httpkernels share: the fast-path parsers (_httpkernels.c) and the
   proxy's connection types built on them (_proxyconnections.c). */

#ifndef MODELWATCH_HTTPKERNELS_H
#define MODELWATCH_HTTPKERNELS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* A plain request's forwarded form and what capture keeps of it (new references). */
typedef struct {
    PyObject *wire, *body, *content_type, *inference_id, *custom_attributes;
} PlainRequest;

typedef struct {
    int status;
    PyObject *content_type; /* a new reference */
    Py_ssize_t head_length, body_length;
} PlainResponse;

/* 1 with `plain` filled, 0 for a request that is not plain, -1 with an exception. */
int plain_request_forwarded(PyObject *data, PyObject *rules, PyObject *base_path, PyObject *upstream_host,
                            PyObject *forwarded_lines, PlainRequest *plain);
void plain_request_clear(PlainRequest *plain);
/* 1 with `plain` filled for a plain response whole in `data`; 2 with `plain` filled for the start of one,
   its head whole and its body not (only the response's bytes: never more than its Content-Length); 0 for
   anything else; -1 with an exception. */
int plain_response_checked(PyObject *data, PyObject *dropped, PlainResponse *plain);
/* count_exchange's work; 0, or -1 with an exception. */
int count_into(PyObject *values_buffer, PyObject *bounds, long status, double upstream_seconds, double added_seconds);
/* Seconds of a monotonic clock, the clock of `_httpkernels.now()`. */
double monotonic_seconds(void);
/* Adds the connection types to the module; -1 with an exception. */
int add_connection_types(PyObject *module);

#endif
