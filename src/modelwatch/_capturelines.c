/* One SageMaker capture record → its line of a capture file (JSON and a newline), in one buffer.

   The common record: each kept body whole and declared as text (CSV or JSON). The line is byte for byte
   what formats/capture.py's builders write (payload_json, metadata_json and record_json_line, then
   encoded as UTF-8): the same keys in the same order, every string escaped as json's encode_basestring
   escapes it (a quote, a backslash and U+0000-U+001F only; the rest, non-ASCII included, as it is), and
   the values those builders write unquoted (mode, encoding, inferenceTime) copied as they are.

   A body that is not valid UTF-8 makes it return None: the caller then takes the Python builders, which
   keep that body as BASE64. A str that has no UTF-8 (a lone surrogate) raises UnicodeEncodeError, as
   encoding the Python builders' line does.

   In C because, on the request path, the Python builders took about 1.1 µs of the 2.1 µs that
   RecordEncoder.line spent on an inference-sized record (decoding each body, escaping each string, an
   f-string per part, the line encoded at the end), and this takes 0.2 µs: see the commit that
   introduced it for the measurements. */

#include "_kernels.h"

/* Each byte of a string becomes at most six (\u00XX); a string adds its two quotes. */
#define ESCAPED_BOUND(length) (6 * (length) + 2)
/* The keys and punctuation of a line with every part present (under 300 bytes), rounded up. */
#define FIXED_BOUND 512
/* A line that surely fits this is written on the stack and copied: a bytes object of its exact size is
   cheaper than one of the bound, shrunk. */
#define SMALL_LINE 4096

/* A kept side of the exchange: (observedContentType, mode, body, encoding). */
typedef struct {
    const char *type, *mode, *encoding;
    Py_ssize_t type_length, mode_length, encoding_length;
    Py_buffer body; /* body.obj is NULL when the side is not kept */
} Side;

/* A str's UTF-8; -1 with an exception if it is not a str or holds a lone surrogate. */
static int utf8_of(PyObject *object, const char *name, const char **text, Py_ssize_t *length) {
    if (!PyUnicode_Check(object)) {
        PyErr_Format(PyExc_TypeError, "capture_line: %s must be str, not %.100s", name, Py_TYPE(object)->tp_name);
        return -1;
    }
    *text = PyUnicode_AsUTF8AndSize(object, length);
    return *text == NULL ? -1 : 0;
}

/* None, or a side's 4-tuple; -1 with an exception on error. */
static int get_side(PyObject *object, Side *side, const char *name) {
    memset(side, 0, sizeof *side);
    if (object == Py_None) return 0;
    if (!PyTuple_Check(object) || PyTuple_GET_SIZE(object) != 4) {
        PyErr_Format(PyExc_TypeError,
                     "capture_line: %s must be None or (observed_content_type, mode, body, encoding)", name);
        return -1;
    }
    if (utf8_of(PyTuple_GET_ITEM(object, 0), "observed_content_type", &side->type, &side->type_length) < 0 ||
        utf8_of(PyTuple_GET_ITEM(object, 1), "mode", &side->mode, &side->mode_length) < 0 ||
        utf8_of(PyTuple_GET_ITEM(object, 3), "encoding", &side->encoding, &side->encoding_length) < 0)
        return -1;
    return PyObject_GetBuffer(PyTuple_GET_ITEM(object, 2), &side->body, PyBUF_SIMPLE);
}

static ALWAYS_INLINE unsigned char *put(unsigned char *out, const void *bytes, Py_ssize_t length) {
    memcpy(out, bytes, length);
    return out + length;
}

#define PUT_LITERAL(out, literal) put(out, literal, sizeof(literal) - 1)

static const char HEX_DIGITS[] = "0123456789abcdef";

/* `text` as a JSON string, quoted and escaped as encode_basestring does; NULL if `text` is not UTF-8. */
static unsigned char *quoted(unsigned char *out, const unsigned char *p, Py_ssize_t length) {
    const unsigned char *end = p + length;
    *out++ = '"';
    for (;;) {
        const unsigned char *run = p;
#if SWAR
        for (; p + 8 <= end; p += 8) {
            uint64_t stops = string_stops(load8(p));
            if (stops) {
                p += __builtin_ctzll(stops) >> 3;
                break;
            }
        }
#endif
        while (p < end && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80) p++;
        out = put(out, run, p - run);
        if (p >= end) break;
        unsigned char c = *p;
        if (c >= 0x80) {
            int n = utf8_sequence(p, end - p);
            if (n == 0) return NULL;
            out = put(out, p, n);
            p += n;
            continue;
        }
        *out++ = '\\';
        switch (c) {
        case '"': case '\\': *out++ = c; break;
        case '\b': *out++ = 'b'; break;
        case '\f': *out++ = 'f'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        default:
            out = PUT_LITERAL(out, "u00");
            *out++ = HEX_DIGITS[c >> 4];
            *out++ = HEX_DIGITS[c & 0xF];
        }
        p++;
    }
    *out++ = '"';
    return out;
}

/* `"name":{...}` of a kept side; NULL if its body is not UTF-8. */
static unsigned char *payload(unsigned char *out, const Side *side) {
    out = PUT_LITERAL(out, ":{\"observedContentType\":");
    out = quoted(out, (const unsigned char *)side->type, side->type_length);
    out = PUT_LITERAL(out, ",\"mode\":\"");
    out = put(out, side->mode, side->mode_length);
    out = PUT_LITERAL(out, "\",\"data\":");
    out = quoted(out, side->body.buf, side->body.len);
    if (out == NULL) return NULL;
    out = PUT_LITERAL(out, ",\"encoding\":\"");
    out = put(out, side->encoding, side->encoding_length);
    return PUT_LITERAL(out, "\"}");
}

/* The size of a line with these parts (the unescaped ones counted as if escaped), or -1 if that could
   overflow: 13 parts at most, 6 bytes per byte, so each part must be under 1/128 of PY_SSIZE_T_MAX
   (never a limit on 64 bits). */
static Py_ssize_t line_bound(const Side sides[2], const Py_ssize_t *lengths, int n_lengths) {
    Py_ssize_t all[16], bound = FIXED_BOUND;
    int n = 0;
    for (int s = 0; s < 2; s++) {
        if (sides[s].body.obj == NULL) continue;
        all[n++] = sides[s].type_length;
        all[n++] = sides[s].mode_length;
        all[n++] = sides[s].body.len;
        all[n++] = sides[s].encoding_length;
    }
    for (int i = 0; i < n_lengths; i++) all[n++] = lengths[i];
    for (int i = 0; i < n; i++) {
        if (all[i] > (PY_SSIZE_T_MAX - FIXED_BOUND) / 128) return -1;
        bound += ESCAPED_BOUND(all[i]);
    }
    return bound;
}

const char capture_line_doc[] =
    "capture_line(input, output, event_id, inference_time, inference_id, custom_attributes, event_version)\n"
    "--\n\n"
    "One capture file line (bytes, with its newline), equal to formats.capture's record_json_line of\n"
    "payload_json and metadata_json encoded as UTF-8. `input` and `output` are None (not kept) or\n"
    "(observed_content_type, mode, body, encoding) of a whole body; `inference_id` and `custom_attributes`\n"
    "may be None. None when a body is not valid UTF-8 (see _capturelines.c).";

PyObject *capture_line(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "capture_line expected 7 arguments, got %zd", nargs);
        return NULL;
    }
    Side sides[2];
    const char *event_id = NULL, *inference_time = NULL, *inference_id = NULL, *attributes = NULL, *version = NULL;
    Py_ssize_t event_id_length = 0, time_length = 0, id_length = 0, attributes_length = 0, version_length = 0;
    PyObject *result = NULL;
    memset(sides, 0, sizeof sides);
    if (get_side(args[0], &sides[0], "input") < 0 || get_side(args[1], &sides[1], "output") < 0 ||
        utf8_of(args[2], "event_id", &event_id, &event_id_length) < 0 ||
        utf8_of(args[3], "inference_time", &inference_time, &time_length) < 0 ||
        (args[4] != Py_None && utf8_of(args[4], "inference_id", &inference_id, &id_length) < 0) ||
        (args[5] != Py_None && utf8_of(args[5], "custom_attributes", &attributes, &attributes_length) < 0) ||
        utf8_of(args[6], "event_version", &version, &version_length) < 0)
        goto done;

    Py_ssize_t lengths[] = {event_id_length, time_length, id_length, attributes_length, version_length};
    Py_ssize_t bound = line_bound(sides, lengths, (int)(sizeof lengths / sizeof *lengths));
    if (bound < 0) {
        PyErr_NoMemory();
        goto done;
    }
    unsigned char small[SMALL_LINE];
    if (bound > SMALL_LINE) {
        result = PyBytes_FromStringAndSize(NULL, bound);
        if (result == NULL) goto done;
    }
    unsigned char *start = result == NULL ? small : (unsigned char *)PyBytes_AS_STRING(result), *out = start;

    out = PUT_LITERAL(out, "{\"captureData\":{");
    if (sides[0].body.obj != NULL) out = payload(PUT_LITERAL(out, "\"endpointInput\""), &sides[0]);
    if (out != NULL && sides[1].body.obj != NULL) {
        if (sides[0].body.obj != NULL) *out++ = ',';
        out = payload(PUT_LITERAL(out, "\"endpointOutput\""), &sides[1]);
    }
    if (out == NULL) {
        Py_XSETREF(result, Py_NewRef(Py_None));
        goto done;
    }
    out = PUT_LITERAL(out, "},\"eventMetadata\":{\"eventId\":");
    out = quoted(out, (const unsigned char *)event_id, event_id_length);
    out = PUT_LITERAL(out, ",\"inferenceTime\":\"");
    out = put(out, inference_time, time_length);
    *out++ = '"';
    if (inference_id != NULL) {
        out = PUT_LITERAL(out, ",\"inferenceId\":");
        out = quoted(out, (const unsigned char *)inference_id, id_length);
    }
    if (attributes != NULL) {
        out = PUT_LITERAL(out, ",\"customAttributes\":");
        out = quoted(out, (const unsigned char *)attributes, attributes_length);
    }
    out = PUT_LITERAL(out, "},\"eventVersion\":");
    out = quoted(out, (const unsigned char *)version, version_length);
    out = PUT_LITERAL(out, "}\n");
    if (result == NULL) result = PyBytes_FromStringAndSize((const char *)small, out - start);
    else _PyBytes_Resize(&result, out - start); /* on failure: NULL with an exception */

done:
    for (int s = 0; s < 2; s++) {
        if (sides[s].body.obj != NULL) PyBuffer_Release(&sides[s].body);
    }
    return result;
}
