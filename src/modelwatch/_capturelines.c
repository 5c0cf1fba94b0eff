/* SageMaker capture records → lines of a capture file (JSON and a newline): LineEncoder, which the capture
   writer's RecordEncoder (capture/records.py) holds, one per writer, and LineQueue, the writer's queue of
   lines.

   LineEncoder(exchange_type, keep_input, keep_output, max_body_bytes, encoding_for, default_content_type,
   event_version) holds what does not change from one record to the next, and the caches of what does not
   change often: the encoding of the last content types seen (encoding_for of ContentTypes; clients choose
   content types, so at most MAX_CACHED_CONTENT_TYPES, forgotten all at once when full), the text of the
   current second, and a batch of event ids. Its methods:

   - line(exchange): the line of the common record, each kept body whole (its size within max_body_bytes),
     declared as text (an encoding other than BASE64) and UTF-8; None for any other record, which
     RecordEncoder writes with the format module's builders. It reads the fields of an exchange_type
     instance (the Exchange slots dataclass) from their slots, found once, and of any other object by name;
     the content type "" (or None) is default_content_type, as in RecordEncoder. The line is
     byte for byte what formats/capture.py's builders write (payload_json, metadata_json and
     record_json_line, then encoded as UTF-8): the same keys in the same order, every string escaped as
     json's encode_basestring escapes it (a quote, a backslash and U+0000-U+001F only; the rest, non-ASCII
     included, as it is), and the values those builders write unquoted (mode, encoding, inferenceTime) as
     they are. A str that has no UTF-8 (a lone surrogate) raises UnicodeEncodeError, as encoding the Python
     builders' line does.
   - next_event_id(): a random (version 4) UUID as its str, `xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx` (V one of
     89ab), as str(uuid.uuid4()) writes it; made IDS_PER_DRAW at a time from one os.urandom call (a
     uuid.uuid4() is a system call and a UUID object per id). line() takes its id from the same batch.
   - time_text(moment): `2022-04-18T00:21:48Z`, the UTC second of an epoch time (its floor), as
     format_inference_time writes datetime.fromtimestamp(second, UTC); ValueError outside the years 1 to
     9999 (datetime's range, where fromtimestamp raises too). Worked out once per second; line() uses it.
   - encoding(content_type): encoding_for(content_type), through the cache.

   In C because, on the request path, the Python around the earlier one-call line builder (the event id,
   the time text, the content types' encodings, reading the exchange, the call) cost most of the ~1.1 µs of
   RecordEncoder.line on an inference-sized record: see the commit that introduced LineEncoder for the
   measurements. It holds the GIL throughout, so threads share it with no lock.

   LineQueue(encoder, limit) is the writer's bounded queue: put(*fields) encodes and queues a common record
   in one call from the proxy's C code (no Exchange object, no Python frame: those cost as much as encoding
   the record), append(line, inference_time) queues a line made in Python, and take() hands the writer thread
   everything queued. Each is one step under the GIL: no lock. */

#include "_kernels.h"

#include <math.h>
#include <structmember.h>
#include <time.h>

/* Each byte of a string becomes at most six (\u00XX); a string adds its two quotes. */
#define ESCAPED_BOUND(length) (6 * (length) + 2)
/* The keys and punctuation of a line with every part present (under 300 bytes), an event id and an
   inference time, rounded up. */
#define FIXED_BOUND 512
/* A line that surely fits this is written on the stack and copied: a bytes object of its exact size is
   cheaper than one of the bound, shrunk. */
#define SMALL_LINE 4096

#define MAX_CACHED_CONTENT_TYPES 64
#define IDS_PER_DRAW 256
#define ID_LENGTH 36   /* xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx */
#define TIME_LENGTH 20 /* 2022-04-18T00:21:48Z */
/* The seconds a datetime holds: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
#define FIRST_SECOND (-62135596800.0)
#define LAST_SECOND 253402300799.0

enum { INPUT, OUTPUT };
/* The Exchange's fields (capture/exchange.py): side s's are BODY + s * SIDE_FIELDS, SIZE + ..., and so on. */
enum { BODY, SIZE, CONTENT_TYPE, SIDE_FIELDS };
enum { INFERENCE_TIME = 2 * SIDE_FIELDS, INFERENCE_ID, CUSTOM_ATTRIBUTES, N_FIELDS };
static const char *const FIELD_NAMES[N_FIELDS] = {
    "input_body",     "input_size",   "input_content_type",
    "output_body",    "output_size",  "output_content_type",
    "inference_time", "inference_id", "custom_attributes",
};

/* FIELD_NAMES as str, interned once (add_line_encoder), and os.urandom. */
static PyObject *FIELDS[N_FIELDS], *URANDOM;

typedef struct {
    PyObject_HEAD
    /* The Exchange class, and its fields' slots, where its instances' fields are read. NULL (fields read
       by name) if a field is not a slot. */
    PyTypeObject *exchange_type;
    PyMemberDef *slots[N_FIELDS];
    int keep[2]; /* by INPUT, OUTPUT */
    Py_ssize_t max_body_bytes;
    PyObject *encoding_for;         /* content type → "CSV", "JSON" or "BASE64" */
    PyObject *default_content_type; /* in place of an empty (or None) content type */
    PyObject *encodings;            /* dict: content type → its encoding_for */
    PyObject *event_version;        /* str */
    const char *version;            /* its UTF-8 */
    Py_ssize_t version_length;
    PyObject *time_text;            /* str: the text of `second`; NULL before the first */
    long long second;
    char time_chars[TIME_LENGTH];   /* time_text's characters */
    int ids_at;                     /* the next unused id of `ids`; IDS_PER_DRAW: none left */
    char ids[IDS_PER_DRAW * ID_LENGTH];
} LineEncoder;

/* A kept side of the exchange, while its line is written. */
typedef struct {
    PyObject *content_type, *encoding; /* new references, or NULL */
    const char *type_text, *encoding_text;
    Py_ssize_t type_length, encoding_length;
    Py_buffer body; /* body.obj is NULL when the side is not kept */
} Side;

/* A field of an exchange: a new reference, or NULL with an exception. Read from its slot when the exchange
   is an Exchange, as PyObject_GetAttr would read it there, without looking the name up. */
static ALWAYS_INLINE PyObject *field(LineEncoder *self, PyObject *exchange, int f) {
    if (Py_TYPE(exchange) == self->exchange_type) return PyMember_GetOne((const char *)exchange, self->slots[f]);
    return PyObject_GetAttr(exchange, FIELDS[f]);
}

/* A str's UTF-8; -1 with an exception if it is not a str or holds a lone surrogate. */
static int utf8_of(PyObject *object, const char *name, const char **text, Py_ssize_t *length) {
    if (!PyUnicode_Check(object)) {
        PyErr_Format(PyExc_TypeError, "LineEncoder: %s must be str, not %.100s", name, Py_TYPE(object)->tp_name);
        return -1;
    }
    *text = PyUnicode_AsUTF8AndSize(object, length);
    return *text == NULL ? -1 : 0;
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
        p = plain_string_run(p, end);
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


/* `value` in `width` decimal digits (it has no more). */
static char *decimal(char *out, int value, int width) {
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return out + width;
}

/* Makes the LineEncoder's time text that of `moment`'s second; -1 with an exception (ValueError outside
   the years 1 to 9999, NaN and the infinities included). */
static int set_time_text(LineEncoder *self, PyObject *moment) {
    double time = PyFloat_AsDouble(moment);
    if (time == -1.0 && PyErr_Occurred()) return -1;
    double floored = floor(time);
    if (!(floored >= FIRST_SECOND && floored <= LAST_SECOND)) {
        PyErr_Format(PyExc_ValueError, "inference time %R is not within the years 1 to 9999", moment);
        return -1;
    }
    long long second = (long long)floored;
    if (self->time_text != NULL && second == self->second) return 0;
    time_t since_epoch = (time_t)second;
    struct tm fields;
    if ((long long)since_epoch != second || gmtime_r(&since_epoch, &fields) == NULL) {
        PyErr_Format(PyExc_OverflowError, "inference time %R is out of range for the platform's time_t", moment);
        return -1;
    }
    char *out = self->time_chars;
    out = decimal(out, fields.tm_year + 1900, 4);
    *out++ = '-';
    out = decimal(out, fields.tm_mon + 1, 2);
    *out++ = '-';
    out = decimal(out, fields.tm_mday, 2);
    *out++ = 'T';
    out = decimal(out, fields.tm_hour, 2);
    *out++ = ':';
    out = decimal(out, fields.tm_min, 2);
    *out++ = ':';
    out = decimal(out, fields.tm_sec, 2);
    *out = 'Z';
    PyObject *text = PyUnicode_FromStringAndSize(self->time_chars, TIME_LENGTH);
    if (text == NULL) {
        Py_CLEAR(self->time_text); /* time_chars no longer hold its text */
        return -1;
    }
    Py_XSETREF(self->time_text, text);
    self->second = second;
    return 0;
}

/* Each byte's two hex digits, filled by add_line_encoder. */
static char HEX_PAIRS[256][2];

/* A new batch of event ids from one os.urandom call; -1 with an exception on error. */
static int draw_ids(LineEncoder *self) {
    PyObject *random = PyObject_CallFunction(URANDOM, "n", (Py_ssize_t)16 * IDS_PER_DRAW);
    if (random == NULL) return -1;
    if (!PyBytes_Check(random) || PyBytes_GET_SIZE(random) != 16 * IDS_PER_DRAW) {
        PyErr_SetString(PyExc_RuntimeError, "LineEncoder: os.urandom returned other than the bytes asked for");
        Py_DECREF(random);
        return -1;
    }
    const unsigned char *drawn = (const unsigned char *)PyBytes_AS_STRING(random);
    char *out = self->ids;
    for (int i = 0; i < IDS_PER_DRAW; i++, drawn += 16) {
        unsigned char bytes[16];
        memcpy(bytes, drawn, 16);
        bytes[6] = (bytes[6] & 0x0F) | 0x40; /* the version, 4 */
        bytes[8] = (bytes[8] & 0x3F) | 0x80; /* the variant, RFC 4122's: the two top bits 10 */
        for (int j = 0; j < 16; j++) {
            memcpy(out, HEX_PAIRS[bytes[j]], 2);
            out += 2;
            if (j == 3 || j == 5 || j == 7 || j == 9) *out++ = '-';
        }
    }
    Py_DECREF(random);
    self->ids_at = 0;
    return 0;
}

/* The next event id (ID_LENGTH characters, not terminated); NULL with an exception on error. */
static const char *next_id(LineEncoder *self) {
    if (self->ids_at >= IDS_PER_DRAW && draw_ids(self) < 0) return NULL;
    return self->ids + ID_LENGTH * self->ids_at++;
}

/* encoding_for(content_type) through the cache: a new reference, or NULL with an exception. */
static PyObject *encoding_of(LineEncoder *self, PyObject *content_type) {
    if (!PyUnicode_Check(content_type)) {
        PyErr_Format(PyExc_TypeError, "LineEncoder: a content type must be str, not %.100s",
                     Py_TYPE(content_type)->tp_name);
        return NULL;
    }
    PyObject *encoding = PyDict_GetItemWithError(self->encodings, content_type);
    if (encoding != NULL) return Py_NewRef(encoding);
    if (PyErr_Occurred()) return NULL;
    encoding = PyObject_CallOneArg(self->encoding_for, content_type);
    if (encoding == NULL) return NULL;
    if (!PyUnicode_Check(encoding)) {
        PyErr_Format(PyExc_TypeError, "LineEncoder: encoding_for must return str, not %.100s",
                     Py_TYPE(encoding)->tp_name);
        Py_DECREF(encoding);
        return NULL;
    }
    if (PyDict_GET_SIZE(self->encodings) >= MAX_CACHED_CONTENT_TYPES) PyDict_Clear(self->encodings);
    if (PyDict_SetItem(self->encodings, content_type, encoding) < 0) Py_CLEAR(encoding);
    return encoding;
}

enum { COMMON, OTHER, FAILED };

/* Side `s` of a record's fields (`values`, by field) into `side`: COMMON if its body is whole and declared as
   text, OTHER if not (cut at the limit, or BASE64), FAILED with an exception on error. */
static int get_side(LineEncoder *self, PyObject *const *values, int s, Side *side) {
    Py_ssize_t size = PyLong_AsSsize_t(values[SIZE + s * SIDE_FIELDS]);
    if (size == -1 && PyErr_Occurred()) return FAILED;
    if (size > self->max_body_bytes) return OTHER;

    PyObject *type = values[CONTENT_TYPE + s * SIDE_FIELDS];
    if (type == Py_None || (PyUnicode_Check(type) && PyUnicode_GET_LENGTH(type) == 0))
        type = self->default_content_type;
    side->content_type = Py_NewRef(type);
    side->encoding = encoding_of(self, type);
    if (side->encoding == NULL ||
        utf8_of(side->encoding, "an encoding", &side->encoding_text, &side->encoding_length) < 0)
        return FAILED;
    if (side->encoding_length == 6 && memcmp(side->encoding_text, "BASE64", 6) == 0) return OTHER;
    if (utf8_of(type, "a content type", &side->type_text, &side->type_length) < 0) return FAILED;

    return PyObject_GetBuffer(values[BODY + s * SIDE_FIELDS], &side->body, PyBUF_SIMPLE) < 0 ? FAILED : COMMON;
}

/* `"name":{...}` of a kept side; NULL if its body is not UTF-8. */
static unsigned char *payload(unsigned char *out, const Side *side, int s) {
    out = PUT_LITERAL(out, ":{\"observedContentType\":");
    out = quoted(out, (const unsigned char *)side->type_text, side->type_length);
    out = s == INPUT ? PUT_LITERAL(out, ",\"mode\":\"INPUT\",\"data\":")
                     : PUT_LITERAL(out, ",\"mode\":\"OUTPUT\",\"data\":");
    out = quoted(out, side->body.buf, side->body.len);
    if (out == NULL) return NULL;
    out = PUT_LITERAL(out, ",\"encoding\":\"");
    out = put(out, side->encoding_text, side->encoding_length);
    return PUT_LITERAL(out, "\"}");
}

/* The size of a line with these parts (the unescaped ones counted as if escaped), or -1 if that could
   overflow: 9 parts at most, 6 bytes per byte, so each part must be under 1/128 of PY_SSIZE_T_MAX (never
   a limit on 64 bits). */
static Py_ssize_t line_bound(const Side sides[2], const Py_ssize_t *lengths, int n_lengths) {
    Py_ssize_t all[16], bound = FIXED_BOUND;
    int n = 0;
    for (int s = 0; s < 2; s++) {
        if (sides[s].body.obj == NULL) continue;
        all[n++] = sides[s].type_length;
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

/* None, or a str's UTF-8 (NULL for None); -1 with an exception on error. */
static int optional_utf8(PyObject *object, const char *name, const char **text, Py_ssize_t *length) {
    if (object == Py_None) return 0;
    return utf8_of(object, name, text, length);
}

/* The line of a record given by its fields (`values`, borrowed, by field): line()'s work. */
static PyObject *encode_line(LineEncoder *self, PyObject *const *values) {
    Side sides[2];
    PyObject *inference_id = values[INFERENCE_ID], *attributes = values[CUSTOM_ATTRIBUTES], *result = NULL;
    const char *id_text = NULL, *attributes_text = NULL;
    Py_ssize_t id_length = 0, attributes_length = 0;
    memset(sides, 0, sizeof sides);
    for (int s = INPUT; s <= OUTPUT; s++) {
        if (!self->keep[s]) continue;
        int got = get_side(self, values, s, &sides[s]);
        if (got == FAILED) goto done;
        if (got == OTHER) {
            result = Py_NewRef(Py_None);
            goto done;
        }
    }
    if (set_time_text(self, values[INFERENCE_TIME]) < 0 ||
        optional_utf8(inference_id, "inference_id", &id_text, &id_length) < 0 ||
        optional_utf8(attributes, "custom_attributes", &attributes_text, &attributes_length) < 0)
        goto done;

    Py_ssize_t lengths[] = {id_length, attributes_length, self->version_length};
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
    if (sides[INPUT].body.obj != NULL) out = payload(PUT_LITERAL(out, "\"endpointInput\""), &sides[INPUT], INPUT);
    if (out != NULL && sides[OUTPUT].body.obj != NULL) {
        if (sides[INPUT].body.obj != NULL) *out++ = ',';
        out = payload(PUT_LITERAL(out, "\"endpointOutput\""), &sides[OUTPUT], OUTPUT);
    }
    if (out == NULL) { /* a body that is not UTF-8: the Python builders keep it as base64 */
        Py_XSETREF(result, Py_NewRef(Py_None));
        goto done;
    }
    const char *event_id = next_id(self);
    if (event_id == NULL) {
        Py_CLEAR(result);
        goto done;
    }
    out = PUT_LITERAL(out, "},\"eventMetadata\":{\"eventId\":\"");
    out = put(out, event_id, ID_LENGTH);
    out = PUT_LITERAL(out, "\",\"inferenceTime\":\"");
    out = put(out, self->time_chars, TIME_LENGTH);
    *out++ = '"';
    if (id_text != NULL) {
        out = PUT_LITERAL(out, ",\"inferenceId\":");
        out = quoted(out, (const unsigned char *)id_text, id_length);
    }
    if (attributes_text != NULL) {
        out = PUT_LITERAL(out, ",\"customAttributes\":");
        out = quoted(out, (const unsigned char *)attributes_text, attributes_length);
    }
    out = PUT_LITERAL(out, "},\"eventVersion\":");
    out = quoted(out, (const unsigned char *)self->version, self->version_length);
    out = PUT_LITERAL(out, "}\n");
    if (result == NULL) result = PyBytes_FromStringAndSize((const char *)small, out - start);
    else _PyBytes_Resize(&result, out - start); /* on failure: NULL with an exception */

done:
    for (int s = INPUT; s <= OUTPUT; s++) {
        if (sides[s].body.obj != NULL) PyBuffer_Release(&sides[s].body);
        Py_XDECREF(sides[s].content_type);
        Py_XDECREF(sides[s].encoding);
    }
    return result;
}

static PyObject *LineEncoder_line(LineEncoder *self, PyObject *exchange) {
    PyObject *values[N_FIELDS];
    int read = 0;
    while (read < N_FIELDS && (values[read] = field(self, exchange, read)) != NULL) read++;
    PyObject *result = read == N_FIELDS ? encode_line(self, values) : NULL;
    for (int f = 0; f < read; f++) Py_DECREF(values[f]);
    return result;
}

/* Exchange's fields in the order of its constructor (and of put()'s arguments), by field. */
static const int BY_POSITION[N_FIELDS] = {
    INFERENCE_TIME,         BODY + SIDE_FIELDS * INPUT,  SIZE + SIDE_FIELDS * INPUT, CONTENT_TYPE + SIDE_FIELDS * INPUT,
    BODY + SIDE_FIELDS,     SIZE + SIDE_FIELDS,          CONTENT_TYPE + SIDE_FIELDS, INFERENCE_ID,
    CUSTOM_ATTRIBUTES,
};

static PyObject *LineEncoder_next_event_id(LineEncoder *self, PyObject *Py_UNUSED(ignored)) {
    const char *event_id = next_id(self);
    return event_id == NULL ? NULL : PyUnicode_FromStringAndSize(event_id, ID_LENGTH);
}

static PyObject *LineEncoder_time_text(LineEncoder *self, PyObject *moment) {
    return set_time_text(self, moment) < 0 ? NULL : Py_NewRef(self->time_text);
}

static PyObject *LineEncoder_encoding(LineEncoder *self, PyObject *content_type) {
    return encoding_of(self, content_type);
}

static PyObject *LineEncoder_cached_content_types(LineEncoder *self, void *Py_UNUSED(closure)) {
    return PyLong_FromSsize_t(PyDict_GET_SIZE(self->encodings));
}

/* The slots of exchange_type's fields, if each field is one its instances read as PyObject_GetAttr would
   (with the generic getattr, a member descriptor of its own or a base class, of an object, with no audit
   hook); else nothing, and its fields are read by name. -1 with an exception on error. */
static int find_slots(LineEncoder *self, PyTypeObject *exchange_type) {
    if (exchange_type->tp_getattro != PyObject_GenericGetAttr) return 0;
    for (int f = 0; f < N_FIELDS; f++) {
        PyObject *descriptor = PyObject_GetAttr((PyObject *)exchange_type, FIELDS[f]);
        if (descriptor == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
            PyErr_Clear(); /* not a class attribute: an instance's own */
            return 0;
        }
        PyMemberDef *member = NULL;
        if (Py_IS_TYPE(descriptor, &PyMemberDescr_Type) &&
            PyType_IsSubtype(exchange_type, PyDescr_TYPE(descriptor)))
            member = ((PyMemberDescrObject *)descriptor)->d_member;
        Py_DECREF(descriptor); /* the member lives in its class, which exchange_type keeps */
        if (member == NULL || member->type != T_OBJECT_EX || (member->flags & READ_RESTRICTED)) return 0;
        self->slots[f] = member;
    }
    self->exchange_type = (PyTypeObject *)Py_NewRef(exchange_type);
    return 0;
}

static PyObject *LineEncoder_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"exchange_type", "keep_input",           "keep_output",   "max_body_bytes",
                               "encoding_for",  "default_content_type", "event_version", NULL};
    PyTypeObject *exchange_type;
    int keep_input, keep_output;
    Py_ssize_t max_body_bytes;
    PyObject *encoding_for, *default_content_type, *event_version;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!ppnOUU:LineEncoder", keywords, &PyType_Type, &exchange_type,
                                     &keep_input, &keep_output, &max_body_bytes, &encoding_for,
                                     &default_content_type, &event_version))
        return NULL;
    if (!PyCallable_Check(encoding_for)) {
        PyErr_SetString(PyExc_TypeError, "LineEncoder: encoding_for must be callable");
        return NULL;
    }
    LineEncoder *self = (LineEncoder *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->keep[INPUT] = keep_input;
    self->keep[OUTPUT] = keep_output;
    self->max_body_bytes = max_body_bytes;
    self->encoding_for = Py_NewRef(encoding_for);
    self->default_content_type = Py_NewRef(default_content_type);
    self->event_version = Py_NewRef(event_version);
    self->ids_at = IDS_PER_DRAW;
    self->encodings = PyDict_New();
    if (self->encodings == NULL || find_slots(self, exchange_type) < 0 ||
        utf8_of(event_version, "event_version", &self->version, &self->version_length) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int LineEncoder_traverse(LineEncoder *self, visitproc visit, void *arg) {
    Py_VISIT(self->exchange_type);
    Py_VISIT(self->encoding_for);
    Py_VISIT(self->encodings);
    return 0;
}

static int LineEncoder_clear(LineEncoder *self) {
    Py_CLEAR(self->exchange_type);
    Py_CLEAR(self->encoding_for);
    Py_CLEAR(self->encodings);
    return 0;
}

static void LineEncoder_dealloc(LineEncoder *self) {
    PyObject_GC_UnTrack(self);
    LineEncoder_clear(self);
    Py_CLEAR(self->default_content_type);
    Py_CLEAR(self->event_version);
    Py_CLEAR(self->time_text);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef LineEncoder_methods[] = {
    {"line", (PyCFunction)LineEncoder_line, METH_O,
     "line(exchange)\n--\n\nThe capture file line (bytes, with its newline) of a common record: each kept body "
     "whole,\ndeclared as text and UTF-8. None for any other record."},
    {"next_event_id", (PyCFunction)LineEncoder_next_event_id, METH_NOARGS,
     "next_event_id()\n--\n\nA random (version 4) UUID, as str(uuid.uuid4()) writes it."},
    {"time_text", (PyCFunction)LineEncoder_time_text, METH_O,
     "time_text(moment)\n--\n\nThe UTC second of an epoch time as `2022-04-18T00:21:48Z`; ValueError outside "
     "the years\n1 to 9999."},
    {"encoding", (PyCFunction)LineEncoder_encoding, METH_O,
     "encoding(content_type)\n--\n\nencoding_for(content_type), through the cache."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef LineEncoder_getset[] = {
    {"cached_content_types", (getter)LineEncoder_cached_content_types, NULL,
     "How many content types' encodings the cache holds.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject LineEncoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "modelwatch._textkernels.LineEncoder",
    .tp_basicsize = sizeof(LineEncoder),
    .tp_dealloc = (destructor)LineEncoder_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "LineEncoder(exchange_type, keep_input, keep_output, max_body_bytes, encoding_for, "
              "default_content_type, event_version)\n--\n\nCapture file lines of a writer's records, and their "
              "event ids and time texts (see _capturelines.c).",
    .tp_traverse = (traverseproc)LineEncoder_traverse,
    .tp_clear = (inquiry)LineEncoder_clear,
    .tp_methods = LineEncoder_methods,
    .tp_getset = LineEncoder_getset,
    .tp_new = LineEncoder_new,
};

/* ---- LineQueue -------------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD LineEncoder *encoder;
    PyObject *lines, *times; /* lists, appended together */
    Py_ssize_t limit;
    long long submitted;
    char closed;
} LineQueue;

static PyTypeObject LineQueueType;

static PyObject *LineQueue_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"encoder", "limit", NULL};
    PyObject *encoder;
    Py_ssize_t limit;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!n:LineQueue", keywords, &LineEncoderType, &encoder, &limit))
        return NULL;
    LineQueue *self = (LineQueue *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->encoder = (LineEncoder *)Py_NewRef(encoder);
    self->limit = limit;
    self->lines = PyList_New(0);
    self->times = PyList_New(0);
    if (self->lines == NULL || self->times == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* Whether there is room for one more line; 0 when closed or full. */
static inline int has_room(LineQueue *self) { return !self->closed && PyList_GET_SIZE(self->lines) < self->limit; }

/* 1 with the line queued, 0 when closed or full (checked here: encoding a line may run Python code, and
   another thread may fill the queue meanwhile), -1 with an exception. */
static int queue_append(LineQueue *self, PyObject *line, PyObject *inference_time) {
    if (!has_room(self)) return 0;
    if (PyList_Append(self->lines, line) < 0) return -1;
    if (PyList_Append(self->times, inference_time) < 0) {
        PyList_SetSlice(self->lines, PyList_GET_SIZE(self->lines) - 1, PyList_GET_SIZE(self->lines), NULL);
        return -1;
    }
    self->submitted++;
    return 1;
}

static PyObject *LineQueue_put(LineQueue *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != N_FIELDS) {
        PyErr_SetString(PyExc_TypeError, "put takes an Exchange's nine fields, in its order");
        return NULL;
    }
    if (!has_room(self)) Py_RETURN_FALSE; /* nothing to encode */
    PyObject *values[N_FIELDS];
    for (int i = 0; i < N_FIELDS; i++) values[BY_POSITION[i]] = args[i];
    PyObject *line = encode_line(self->encoder, values);
    if (line == NULL) {
        PyErr_Clear(); /* submit() meets the same error, and logs it */
        Py_RETURN_FALSE;
    }
    int queued = line == Py_None ? 0 : queue_append(self, line, values[INFERENCE_TIME]);
    Py_DECREF(line);
    if (queued < 0) PyErr_Clear();
    return PyBool_FromLong(queued > 0);
}

static PyObject *LineQueue_append(LineQueue *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyBytes_Check(args[0]) || !PyFloat_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "append(line: bytes, inference_time: float)");
        return NULL;
    }
    int queued = queue_append(self, args[0], args[1]);
    return queued < 0 ? NULL : PyBool_FromLong(queued);
}

static PyObject *LineQueue_take(LineQueue *self, PyObject *Py_UNUSED(ignored)) {
    PyObject *lines = PyList_New(0), *times = PyList_New(0);
    if (lines == NULL || times == NULL) {
        Py_XDECREF(lines);
        Py_XDECREF(times);
        return NULL;
    }
    PyObject *taken = PyTuple_Pack(2, self->lines, self->times);
    if (taken == NULL) {
        Py_DECREF(lines);
        Py_DECREF(times);
        return NULL;
    }
    Py_SETREF(self->lines, lines);
    Py_SETREF(self->times, times);
    return taken;
}

static Py_ssize_t LineQueue_length(LineQueue *self) { return PyList_GET_SIZE(self->lines); }

static int LineQueue_traverse(LineQueue *self, visitproc visit, void *arg) {
    Py_VISIT(self->encoder);
    Py_VISIT(self->lines);
    Py_VISIT(self->times);
    return 0;
}

static int LineQueue_clear(LineQueue *self) {
    Py_CLEAR(self->encoder);
    Py_CLEAR(self->lines);
    Py_CLEAR(self->times);
    return 0;
}

static void LineQueue_dealloc(LineQueue *self) {
    PyObject_GC_UnTrack(self);
    LineQueue_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef LineQueue_methods[] = {
    {"put", (PyCFunction)(void (*)(void))LineQueue_put, METH_FASTCALL,
     "put(inference_time, input_body, input_size, input_content_type, output_body, output_size, "
     "output_content_type, inference_id, custom_attributes)\n--\n\nQueue the line of a common record given by "
     "its fields (as Exchange takes them); True if queued. False, with nothing queued and no exception, for "
     "anything else: a closed or full queue, a record line() does not write, an error (submit() meets it "
     "again and logs it)."},
    {"append", (PyCFunction)(void (*)(void))LineQueue_append, METH_FASTCALL,
     "append(line, inference_time)\n--\n\nQueue a line made elsewhere; False when closed or full."},
    {"take", (PyCFunction)LineQueue_take, METH_NOARGS,
     "take()\n--\n\nThe queued lines and their inference times, as two lists; the queue is empty after."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef LineQueue_members[] = {
    {"closed", T_BOOL, offsetof(LineQueue, closed), 0, "a closed queue takes nothing more"},
    {"submitted", T_LONGLONG, offsetof(LineQueue, submitted), READONLY, "lines queued since it was made"},
    {"limit", T_PYSSIZET, offsetof(LineQueue, limit), READONLY, "the most lines it holds"},
    {NULL, 0, 0, 0, NULL},
};

static PySequenceMethods LineQueue_sequence = {.sq_length = (lenfunc)LineQueue_length};

static PyTypeObject LineQueueType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "modelwatch._textkernels.LineQueue",
    .tp_basicsize = sizeof(LineQueue),
    .tp_dealloc = (destructor)LineQueue_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "LineQueue(encoder, limit)\n--\n\nA capture writer's bounded queue of lines: each call is one step "
              "under the GIL,\nso request threads and the writer thread share it with no lock.",
    .tp_traverse = (traverseproc)LineQueue_traverse,
    .tp_clear = (inquiry)LineQueue_clear,
    .tp_methods = LineQueue_methods,
    .tp_members = LineQueue_members,
    .tp_as_sequence = &LineQueue_sequence,
    .tp_new = LineQueue_new,
};

int add_line_encoder(PyObject *module) {
    for (int byte = 0; byte < 256; byte++) {
        HEX_PAIRS[byte][0] = HEX_DIGITS[byte >> 4];
        HEX_PAIRS[byte][1] = HEX_DIGITS[byte & 0xF];
    }
    for (int f = 0; f < N_FIELDS; f++) {
        if ((FIELDS[f] = PyUnicode_InternFromString(FIELD_NAMES[f])) == NULL) return -1;
    }
    PyObject *os = PyImport_ImportModule("os");
    if (os == NULL) return -1;
    URANDOM = PyObject_GetAttrString(os, "urandom");
    Py_DECREF(os);
    if (URANDOM == NULL || PyType_Ready(&LineEncoderType) < 0 || PyType_Ready(&LineQueueType) < 0) return -1;
    if (PyModule_AddObjectRef(module, "LineEncoder", (PyObject *)&LineEncoderType) < 0) return -1;
    return PyModule_AddObjectRef(module, "LineQueue", (PyObject *)&LineQueueType);
}
