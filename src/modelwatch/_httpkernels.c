/* The capture proxy's fast path: a plain request or response, whole in one read, handled in one call.

   Parsing with httptools costs a Python callback per header and per event, and building the forwarded
   head costs a Python loop over the headers: together about half of the proxy's own CPU per request.
   Here a request that is plain (a common method, an origin-form target, HTTP/1.1, headers of visible
   ASCII, a Content-Length body complete in the buffer, no header that asks for special handling) is
   parsed and its forwarded form built in one pass; a response that is plain in the same way is
   checked and handed back for the client as it came. Anything else returns None and takes the
   httptools path, which stays the reference: the tests check that both give the same bytes. */

#include "_httpkernels.h"

#include <string.h>
#include <time.h>

#define MAX_HEADERS 64
#define MAX_DIGITS 15

/* RFC 9110 token characters (header names); all printable ASCII but separators. */
static unsigned char token_char[256];
/* Header value characters the fast path takes: visible ASCII, space and tab (llhttp also takes
   bytes 0x80-0xFF: those requests take the httptools path). */
static unsigned char value_char[256];

static void init_tables(void) {
    for (int c = 0x21; c < 0x7F; c++) {
        token_char[c] = strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
        value_char[c] = 1;
    }
    value_char[' '] = value_char['\t'] = 1;
}

static inline unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Whether the header name at `name` is `rule` (lower case), ignoring ASCII case. */
static inline int name_is(const unsigned char *name, Py_ssize_t length, PyObject *rule) {
    if (PyBytes_GET_SIZE(rule) != length) return 0;
    const unsigned char *expected = (const unsigned char *)PyBytes_AS_STRING(rule);
    for (Py_ssize_t i = 0; i < length; i++) {
        if (lower(name[i]) != expected[i]) return 0;
    }
    return 1;
}

static inline int name_is_text(const unsigned char *name, Py_ssize_t length, const char *rule) {
    if ((Py_ssize_t)strlen(rule) != length) return 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        if (lower(name[i]) != (unsigned char)rule[i]) return 0;
    }
    return 1;
}

/* Whether the name is one of a tuple of lower-case bytes names; -1 with an exception if the tuple is
   not one of bytes. */
static inline int name_in(const unsigned char *name, Py_ssize_t length, PyObject *names) {
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); i++) {
        PyObject *rule = PyTuple_GET_ITEM(names, i);
        if (!PyBytes_Check(rule)) {
            PyErr_SetString(PyExc_TypeError, "header names must be bytes");
            return -1;
        }
        if (name_is(name, length, rule)) return 1;
    }
    return 0;
}

typedef struct {
    const unsigned char *name, *value;
    Py_ssize_t name_length, value_length;
} Header;

/* One header line from `p` (at most `end`): name, ':', optional whitespace, value, CRLF. Returns the
   position after its CRLF, or NULL if the line is not plain. `canonical`: exactly one space after the
   colon and none at the value's start (the line then reads back as `name: value`). */
static const unsigned char *header_line(const unsigned char *p, const unsigned char *end, Header *header,
                                        int canonical) {
    header->name = p;
    while (p < end && token_char[*p]) p++;
    header->name_length = p - header->name;
    if (header->name_length == 0 || p >= end || *p != ':') return NULL;
    p++;
    if (canonical) {
        if (p >= end || *p != ' ') return NULL;
        p++;
        if (p < end && (*p == ' ' || *p == '\t')) return NULL;
    } else {
        while (p < end && (*p == ' ' || *p == '\t')) p++; /* llhttp drops leading whitespace */
    }
    header->value = p;
    while (p < end && value_char[*p]) p++;
    header->value_length = p - header->value;
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return NULL;
    return p + 2;
}

/* A Content-Length value: 1 to 15 digits and nothing else; -1 otherwise. */
static Py_ssize_t content_length(const Header *header) {
    if (header->value_length < 1 || header->value_length > MAX_DIGITS) return -1;
    Py_ssize_t length = 0;
    for (Py_ssize_t i = 0; i < header->value_length; i++) {
        unsigned char c = header->value[i];
        if (c < '0' || c > '9') return -1;
        length = length * 10 + (c - '0');
    }
    return length;
}

static const char *const METHODS[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL};

static inline char *put(char *out, const void *bytes, Py_ssize_t length) {
    memcpy(out, bytes, length);
    return out + length;
}

static inline char *put_text(char *out, const char *text) { return put(out, text, strlen(text)); }

static PyObject *latin1_or(const Header *header, PyObject *otherwise) {
    if (header == NULL) return Py_NewRef(otherwise);
    return PyUnicode_DecodeLatin1((const char *)header->value, header->value_length, NULL);
}

PyDoc_STRVAR(forward_request_doc,
             "forward_request(data, rules, base_path, upstream_host, forwarded) -> tuple | None\n\n"
             "`data` holding exactly one plain request: `(wire, body, content_type, inference_id,\n"
             "custom_attributes)`, `wire` the request as it goes to the upstream (the request line on\n"
             "`base_path`, `host: upstream_host`, the client's headers with names in lower case but for\n"
             "Host (sent as X-Forwarded-Host) and Content-Length, the `forwarded` lines, the length and\n"
             "the body). None for anything else. `rules`: (declined header names, inference id header\n"
             "names, custom attribute header names, methods whose request always has a length, longest\n"
             "head, longest body), names as lower-case bytes.");

int plain_request_forwarded(PyObject *data, PyObject *rules, PyObject *base_path, PyObject *upstream_host,
                            PyObject *forwarded_lines, PlainRequest *plain) {
    if (!PyBytes_Check(data) || !PyTuple_Check(rules) || PyTuple_GET_SIZE(rules) != 6 || !PyBytes_Check(base_path) ||
        !PyBytes_Check(upstream_host) || !PyBytes_Check(forwarded_lines)) {
        PyErr_SetString(PyExc_TypeError, "forward_request(bytes, tuple of 6, bytes, bytes, bytes)");
        return -1;
    }
    PyObject *declined = PyTuple_GET_ITEM(rules, 0), *inference_id_names = PyTuple_GET_ITEM(rules, 1);
    PyObject *custom_attribute_names = PyTuple_GET_ITEM(rules, 2), *methods_with_length = PyTuple_GET_ITEM(rules, 3);
    Py_ssize_t max_head = PyLong_AsSsize_t(PyTuple_GET_ITEM(rules, 4));
    Py_ssize_t max_body = PyLong_AsSsize_t(PyTuple_GET_ITEM(rules, 5));
    if ((max_head == -1 || max_body == -1) && PyErr_Occurred()) return -1;
    if (!PyTuple_Check(declined) || !PyTuple_Check(inference_id_names) || !PyTuple_Check(custom_attribute_names) ||
        !PyTuple_Check(methods_with_length)) {
        PyErr_SetString(PyExc_TypeError, "forward_request: rules hold tuples of names");
        return -1;
    }
    const unsigned char *start = (const unsigned char *)PyBytes_AS_STRING(data);
    Py_ssize_t size = PyBytes_GET_SIZE(data);
    const unsigned char *end = start + (size < max_head ? size : max_head), *p = start;

    /* the request line */
    while (p < end && *p >= 'A' && *p <= 'Z') p++;
    Py_ssize_t method_length = p - start;
    int known = 0;
    for (int i = 0; METHODS[i] != NULL && !known; i++) {
        known = (Py_ssize_t)strlen(METHODS[i]) == method_length && memcmp(start, METHODS[i], method_length) == 0;
    }
    if (!known || p >= end || *p++ != ' ' || p >= end || *p != '/') return 0;
    const unsigned char *target = p;
    while (p < end && *p > ' ' && *p < 0x7F) p++;
    Py_ssize_t target_length = p - target;
    if (end - p < 11 || memcmp(p, " HTTP/1.1\r\n", 11) != 0) return 0;
    p += 11;

    /* the headers */
    Header headers[MAX_HEADERS];
    int forwarded[MAX_HEADERS];
    int count = 0;
    const Header *host = NULL, *content_type = NULL, *inference_id = NULL, *custom_attributes = NULL;
    Py_ssize_t length = -1, out_size = 0;
    for (;;) {
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            p += 2;
            break;
        }
        if (count == MAX_HEADERS) return 0;
        Header *header = &headers[count];
        p = header_line(p, end, header, 0);
        if (p == NULL) return 0;
        int keep = 1;
        if (name_is_text(header->name, header->name_length, "content-length")) {
            if (length >= 0 || (length = content_length(header)) < 0) return 0;
            keep = 0;
        } else if (name_is_text(header->name, header->name_length, "host")) {
            if (host != NULL) return 0;
            host = header;
            keep = 0;
        } else if (name_is_text(header->name, header->name_length, "content-type")) {
            content_type = header; /* the last one counts, as on the httptools path */
        } else {
            int found = name_in(header->name, header->name_length, declined);
            if (found) {
                if (found < 0) return -1;
                return 0;
            }
            if ((found = name_in(header->name, header->name_length, inference_id_names)) != 0) {
                if (found < 0) return -1;
                if (inference_id == NULL) inference_id = header;
            } else if ((found = name_in(header->name, header->name_length, custom_attribute_names)) != 0) {
                if (found < 0) return -1;
                if (custom_attributes == NULL) custom_attributes = header;
            }
        }
        forwarded[count++] = keep;
        if (keep) out_size += header->name_length + 2 + header->value_length + 2;
    }
    Py_ssize_t head_length = p - start, body_length = length < 0 ? 0 : length;
    if (body_length > max_body || size - head_length != body_length) return 0;

    int with_length = body_length > 0;
    if (!with_length) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(methods_with_length) && !with_length; i++) {
            PyObject *method = PyTuple_GET_ITEM(methods_with_length, i);
            with_length = PyBytes_Check(method) && PyBytes_GET_SIZE(method) == method_length &&
                          memcmp(PyBytes_AS_STRING(method), start, method_length) == 0;
        }
    }
    char digits[MAX_DIGITS + 1];
    int digit_count = with_length ? snprintf(digits, sizeof digits, "%zd", body_length) : 0;
    out_size += method_length + 1 + PyBytes_GET_SIZE(base_path) + target_length + strlen(" HTTP/1.1\r\nhost: ") +
                PyBytes_GET_SIZE(upstream_host) + 2 + PyBytes_GET_SIZE(forwarded_lines) + body_length;
    if (host != NULL) out_size += strlen("x-forwarded-host: ") + host->value_length + 2;
    out_size += with_length ? strlen("content-length: ") + digit_count + 4 : 2;

    PyObject *wire = PyBytes_FromStringAndSize(NULL, out_size);
    if (wire == NULL) return -1;
    char *out = PyBytes_AS_STRING(wire);
    out = put(out, start, method_length);
    *out++ = ' ';
    out = put(out, PyBytes_AS_STRING(base_path), PyBytes_GET_SIZE(base_path));
    out = put(out, target, target_length);
    out = put_text(out, " HTTP/1.1\r\nhost: ");
    out = put(out, PyBytes_AS_STRING(upstream_host), PyBytes_GET_SIZE(upstream_host));
    out = put_text(out, "\r\n");
    for (int i = 0; i < count; i++) {
        if (!forwarded[i]) continue;
        for (Py_ssize_t j = 0; j < headers[i].name_length; j++) *out++ = (char)lower(headers[i].name[j]);
        out = put_text(out, ": ");
        out = put(out, headers[i].value, headers[i].value_length);
        out = put_text(out, "\r\n");
    }
    if (host != NULL) {
        out = put_text(out, "x-forwarded-host: ");
        out = put(out, host->value, host->value_length);
        out = put_text(out, "\r\n");
    }
    out = put(out, PyBytes_AS_STRING(forwarded_lines), PyBytes_GET_SIZE(forwarded_lines));
    if (with_length) {
        out = put_text(out, "content-length: ");
        out = put(out, digits, digit_count);
        out = put_text(out, "\r\n\r\n");
    } else {
        out = put_text(out, "\r\n");
    }
    out = put(out, start + head_length, body_length);

    PyObject *empty = PyUnicode_New(0, 0);
    plain->wire = wire;
    plain->body = PyBytes_FromStringAndSize((const char *)start + head_length, body_length);
    plain->content_type = empty == NULL ? NULL : latin1_or(content_type, empty);
    plain->inference_id = latin1_or(inference_id, Py_None);
    plain->custom_attributes = latin1_or(custom_attributes, Py_None);
    Py_XDECREF(empty);
    if (plain->body == NULL || plain->content_type == NULL || plain->inference_id == NULL ||
        plain->custom_attributes == NULL) {
        plain_request_clear(plain);
        return -1;
    }
    return 1;
}

void plain_request_clear(PlainRequest *plain) {
    Py_CLEAR(plain->wire);
    Py_CLEAR(plain->body);
    Py_CLEAR(plain->content_type);
    Py_CLEAR(plain->inference_id);
    Py_CLEAR(plain->custom_attributes);
}

static PyObject *forward_request(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "forward_request takes 5 arguments");
        return NULL;
    }
    PlainRequest plain;
    int found = plain_request_forwarded(args[0], args[1], args[2], args[3], args[4], &plain);
    if (found <= 0) return found < 0 ? NULL : Py_NewRef(Py_None);
    PyObject *result = PyTuple_Pack(5, plain.wire, plain.body, plain.content_type, plain.inference_id,
                                    plain.custom_attributes);
    plain_request_clear(&plain);
    return result;
}

PyDoc_STRVAR(plain_response_doc,
             "plain_response(data, dropped) -> tuple | None\n\n"
             "`data` holding exactly one plain response (HTTP/1.1, a status with a body, a Content-Length\n"
             "body complete in `data`, headers written as `name: value`, none of the `dropped` names,\n"
             "lower-case bytes): `(status, content_type, head_length)`; the client gets `data` as it\n"
             "is. None for anything else.");

int plain_response_checked(PyObject *data, PyObject *dropped, PlainResponse *plain) {
    if (!PyBytes_Check(data) || !PyTuple_Check(dropped)) {
        PyErr_SetString(PyExc_TypeError, "plain_response(bytes, tuple of bytes)");
        return -1;
    }
    const unsigned char *start = (const unsigned char *)PyBytes_AS_STRING(data);
    Py_ssize_t size = PyBytes_GET_SIZE(data);
    const unsigned char *end = start + size, *p = start;
    if (size < 13 || memcmp(p, "HTTP/1.1 ", 9) != 0) return 0;
    p += 9;
    int status = 0;
    for (int i = 0; i < 3; i++, p++) {
        if (*p < '0' || *p > '9') return 0;
        status = status * 10 + (*p - '0');
    }
    if (status < 200 || status > 599 || status == 204 || status == 304 || *p++ != ' ') return 0;
    while (p < end && value_char[*p]) p++;
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return 0;
    p += 2;

    Header header;
    const unsigned char *content_type = NULL;
    Py_ssize_t content_type_length = 0, length = -1;
    for (int count = 0;; count++) {
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            p += 2;
            break;
        }
        if (count == MAX_HEADERS || (p = header_line(p, end, &header, 1)) == NULL) return 0;
        if (name_is_text(header.name, header.name_length, "content-length")) {
            if (length >= 0 || (length = content_length(&header)) < 0) return 0;
        } else if (name_is_text(header.name, header.name_length, "content-type")) {
            content_type = header.value;
            content_type_length = header.value_length;
        } else {
            int found = name_in(header.name, header.name_length, dropped);
            if (found < 0) return -1;
            if (found) return 0;
        }
    }
    Py_ssize_t head_length = p - start;
    if (length < 0 || size - head_length > length) return 0;
    plain->status = status;
    plain->head_length = head_length;
    plain->body_length = length;
    plain->content_type = PyUnicode_DecodeLatin1((const char *)content_type, content_type_length, NULL);
    if (plain->content_type == NULL) return -1;
    return size - head_length == length ? 1 : 2;
}

static PyObject *plain_response(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "plain_response takes 2 arguments");
        return NULL;
    }
    PlainResponse plain;
    int found = plain_response_checked(args[0], args[1], &plain);
    if (found <= 0) return found < 0 ? NULL : Py_NewRef(Py_None);
    if (found == 2) { /* not whole in `data` */
        Py_DECREF(plain.content_type);
        Py_RETURN_NONE;
    }
    return Py_BuildValue("iNn", plain.status, plain.content_type, plain.head_length);
}

PyDoc_STRVAR(count_exchange_doc,
             "count_exchange(values, bounds, status, upstream_seconds, added_seconds)\n\n"
             "One answered request in the proxy's metrics: `values` (a writable float64 buffer) holds a count\n"
             "per status code (as many codes as it has room for before the histograms), then two latency histograms (the upstream's time, the time the\n"
             "proxy added, negative taken as 0), each a count per bucket of `bounds` (ascending; a value goes\n"
             "to the first bound it does not exceed, as Prometheus' `le`), one for +Inf, and the sum. In C:\n"
             "counted by three Python calls, they cost 5,000 instructions a request, an eighth of the\n"
             "proxy's own.");

int count_into(PyObject *values_buffer, PyObject *bounds, long status, double upstream_seconds, double added_seconds) {
    if (!PyTuple_Check(bounds)) {
        PyErr_SetString(PyExc_TypeError, "count_exchange: the bounds are a tuple of floats");
        return -1;
    }
    double seconds[2] = {upstream_seconds, added_seconds};
    Py_ssize_t n = PyTuple_GET_SIZE(bounds), histogram = n + 2;
    Py_buffer view;
    if (PyObject_GetBuffer(values_buffer, &view, PyBUF_WRITABLE) < 0) return -1;
    double *values = view.buf;
    Py_ssize_t statuses = view.len / (Py_ssize_t)sizeof(double) - 2 * histogram;
    if (statuses <= status || status < 0) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_ValueError, "count_exchange: status %ld outside the buffer", status);
        return -1;
    }
    values[status] += 1;
    for (int h = 0; h < 2; h++) {
        double value = seconds[h] > 0 ? seconds[h] : 0.0;
        Py_ssize_t i = 0;
        while (i < n && PyFloat_AsDouble(PyTuple_GET_ITEM(bounds, i)) < value) i++;
        double *counts = values + statuses + h * histogram;
        counts[i] += 1;
        counts[n + 1] += value;
    }
    PyBuffer_Release(&view);
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *count_exchange(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "count_exchange(buffer, tuple of floats, int, float, float)");
        return NULL;
    }
    long status = PyLong_AsLong(args[2]);
    double upstream_seconds = PyFloat_AsDouble(args[3]), added_seconds = PyFloat_AsDouble(args[4]);
    if (PyErr_Occurred() || count_into(args[0], args[1], status, upstream_seconds, added_seconds) < 0) return NULL;
    Py_RETURN_NONE;
}

double monotonic_seconds(void) {
    struct timespec moment;
    clock_gettime(CLOCK_MONOTONIC, &moment);
    return (double)moment.tv_sec + moment.tv_nsec * 1e-9;
}

static PyObject *now(PyObject *module, PyObject *Py_UNUSED(ignored)) {
    (void)module;
    return PyFloat_FromDouble(monotonic_seconds());
}

static PyMethodDef methods[] = {
    {"now", now, METH_NOARGS,
     "now() -> float\n\nSeconds of a monotonic clock: the clock of the proxy's latency metrics, read the same in C "
     "and in Python."},
    {"count_exchange", (PyCFunction)(void (*)(void))count_exchange, METH_FASTCALL, count_exchange_doc},
    {"forward_request", (PyCFunction)(void (*)(void))forward_request, METH_FASTCALL, forward_request_doc},
    {"plain_response", (PyCFunction)(void (*)(void))plain_response, METH_FASTCALL, plain_response_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_httpkernels",
    "The capture proxy's fast path: plain requests and responses parsed and passed on in one call, and\n"
    "the metrics of an answered request counted in one.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__httpkernels(void) {
    init_tables();
    PyObject *created = PyModule_Create(&module);
    if (created != NULL && add_connection_types(created) < 0) Py_CLEAR(created);
    return created;
}
