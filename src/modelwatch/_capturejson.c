/* SageMaker capture records (JSON Lines) → the Arrow columns the capture reader uses, in one pass.

   Of each record this keeps captureData.endpointInput's and .endpointOutput's `data`, `encoding` and
   `observedContentType` (strings) and `truncated` (a boolean), whether captureData is an object, and
   eventMetadata.inferenceTime; every other value is validated and skipped. Validation is RFC 8259's, one
   record per line: as strict as Python's json without NaN and Infinity, and UTF-8 checked.

   It declines a block (returns None: the caller hands it to pyarrow.json, then line by line to Python's
   json, which name the bad lines) at whatever it does not settle itself: text that is not JSON, a line
   that is blank or not an object, a kept field of another type or given twice, an escaped name beside
   the kept ones, a lone surrogate, nesting deeper than MAX_DEPTH. So what it returns is what those
   readers return for the same block.

   In C because pyarrow.json builds every field of every record as Arrow values before the reader keeps
   a few: see the commit that introduced it for the measurements. */

#include "_kernels.h"

#define MAX_DEPTH 256

enum { IN_DATA, IN_ENCODING, IN_TYPE, OUT_DATA, OUT_ENCODING, OUT_TYPE, INFERENCE_TIME, N_TEXT };
enum { IN_TRUNCATED, OUT_TRUNCATED, CAPTURE_DATA, N_FLAGS };
enum { FLAG_FALSE = 0, FLAG_TRUE = 1, FLAG_NULL = 2 };
enum { TEXT, FLAG, OBJECT };
enum { SCAN_OK = 0, SCAN_DECLINED = 1, SCAN_ERROR = -1 };

/* A kept field: a text column, a flag, or an object of kept fields (whose flag, if any, says it is one). */
typedef struct Field {
    const char *name;
    Py_ssize_t length;
    int kind, slot; /* the text column or flag it fills; -1: none */
    const struct Field *children; /* an object's fields, up to one with a NULL name */
} Field;

#define FIELD(name, kind, slot, children) {name, sizeof(name) - 1, kind, slot, children}
#define END_OF_FIELDS {NULL, 0, 0, 0, NULL}

/* A side of the exchange: its text columns and flag. */
#define SIDE(data, encoding, type, truncated)                                                                 \
    {                                                                                                         \
        FIELD("data", TEXT, data, NULL), FIELD("encoding", TEXT, encoding, NULL),                             \
            FIELD("observedContentType", TEXT, type, NULL), FIELD("truncated", FLAG, truncated, NULL),         \
            END_OF_FIELDS,                                                                                    \
    }

static const Field INPUT[] = SIDE(IN_DATA, IN_ENCODING, IN_TYPE, IN_TRUNCATED);
static const Field OUTPUT[] = SIDE(OUT_DATA, OUT_ENCODING, OUT_TYPE, OUT_TRUNCATED);
static const Field CAPTURE[] = {
    FIELD("endpointInput", OBJECT, -1, INPUT),
    FIELD("endpointOutput", OBJECT, -1, OUTPUT),
    END_OF_FIELDS,
};
static const Field METADATA[] = {FIELD("inferenceTime", TEXT, INFERENCE_TIME, NULL), END_OF_FIELDS};
static const Field RECORD[] = {
    FIELD("captureData", OBJECT, CAPTURE_DATA, CAPTURE),
    FIELD("eventMetadata", OBJECT, -1, METADATA),
    END_OF_FIELDS,
};

typedef struct {
    const unsigned char *p, *end; /* the cursor, the end of the block */
    Column text[N_TEXT];
    PyObject *flags[N_FLAGS]; /* bytearrays, a FLAG_ value per row */
    Py_ssize_t row, max_rows;
    unsigned filled; /* the text columns given a value in this row */
} Scan;

/* JSON's whitespace but the newline, which ends a record. */
static ALWAYS_INLINE void skip_space(Scan *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r')) s->p++;
}

static int hex4(const unsigned char *p, unsigned *value) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        unsigned digit;
        if (c >= '0' && c <= '9') digit = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') digit = (c | 0x20) - 'a' + 10;
        else return 0;
        v = v << 4 | digit;
    }
    *value = v;
    return 1;
}

static int utf8_encode(unsigned code, unsigned char *out) {
    if (code < 0x80) {
        out[0] = (unsigned char)code;
        return 1;
    }
    if (code < 0x800) {
        out[0] = (unsigned char)(0xC0 | code >> 6);
        out[1] = (unsigned char)(0x80 | (code & 0x3F));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = (unsigned char)(0xE0 | code >> 12);
        out[1] = (unsigned char)(0x80 | (code >> 6 & 0x3F));
        out[2] = (unsigned char)(0x80 | (code & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | code >> 18);
    out[1] = (unsigned char)(0x80 | (code >> 12 & 0x3F));
    out[2] = (unsigned char)(0x80 | (code >> 6 & 0x3F));
    out[3] = (unsigned char)(0x80 | (code & 0x3F));
    return 4;
}

/* The escape at p (a backslash) into its UTF-8 bytes; returns the escape's length, 0 if not valid JSON
   (or a lone surrogate, which Arrow cannot hold). */
static int unescape(const unsigned char *p, const unsigned char *end, unsigned char *out, int *out_length) {
    if (end - p < 2) return 0;
    *out_length = 1;
    switch (p[1]) {
    case '"': case '\\': case '/': out[0] = p[1]; return 2;
    case 'b': out[0] = '\b'; return 2;
    case 'f': out[0] = '\f'; return 2;
    case 'n': out[0] = '\n'; return 2;
    case 'r': out[0] = '\r'; return 2;
    case 't': out[0] = '\t'; return 2;
    case 'u': break;
    default: return 0;
    }
    unsigned code, low;
    if (end - p < 6 || !hex4(p + 2, &code)) return 0;
    if (code >= 0xDC00 && code <= 0xDFFF) return 0;
    if (code < 0xD800 || code > 0xDBFF) {
        *out_length = utf8_encode(code, out);
        return 6;
    }
    if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !hex4(p + 8, &low) || low < 0xDC00 || low > 0xDFFF) return 0;
    *out_length = utf8_encode(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), out);
    return 12;
}

/* The string at the cursor (a quote), its text appended to `out` unless that is NULL; *escaped is set if
   it holds an escape. */
static int string_value(Scan *s, Column *out, int *escaped) {
    const unsigned char *p = s->p + 1, *end = s->end;
    for (;;) {
        const unsigned char *run = p;
        p = plain_string_run(p, end);
        if (out != NULL && p > run && append(out, run, p - run) < 0) return SCAN_ERROR;
        if (p >= end || *p < 0x20) return SCAN_DECLINED;
        if (*p == '"') {
            s->p = p + 1;
            return SCAN_OK;
        }
        unsigned char bytes[4];
        int n, n_bytes;
        if (*p == '\\') {
            *escaped = 1;
            n = unescape(p, end, bytes, &n_bytes);
            if (n == 0) return SCAN_DECLINED;
            if (out != NULL && append(out, bytes, n_bytes) < 0) return SCAN_ERROR;
        } else {
            n = utf8_sequence(p, end - p);
            if (n == 0) return SCAN_DECLINED;
            if (out != NULL && append(out, p, n) < 0) return SCAN_ERROR;
        }
        p += n;
    }
}

static int skip_number(Scan *s) {
    const unsigned char *p = s->p, *end = s->end;
    if (p < end && *p == '-') p++;
    if (p >= end || !is_digit(*p)) return SCAN_DECLINED;
    if (*p == '0') {
        p++;
    } else {
        while (p < end && is_digit(*p)) p++;
    }
    if (p < end && *p == '.') {
        if (++p >= end || !is_digit(*p)) return SCAN_DECLINED;
        while (p < end && is_digit(*p)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        if (++p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || !is_digit(*p)) return SCAN_DECLINED;
        while (p < end && is_digit(*p)) p++;
    }
    s->p = p;
    return SCAN_OK;
}

static int literal(Scan *s, const char *word, Py_ssize_t length) {
    if (s->end - s->p < length || memcmp(s->p, word, length) != 0) return SCAN_DECLINED;
    s->p += length;
    return SCAN_OK;
}

static int object(Scan *s, const Field *fields, int depth);

static int array(Scan *s, int depth);

/* Any value at the cursor (which is before the end), checked and passed over. */
static int skip_value(Scan *s, int depth) {
    int escaped = 0;
    switch (*s->p) {
    case '"': return string_value(s, NULL, &escaped);
    case '{': return object(s, NULL, depth + 1);
    case '[': return array(s, depth + 1);
    case 't': return literal(s, "true", 4);
    case 'f': return literal(s, "false", 5);
    case 'n': return literal(s, "null", 4);
    default: return skip_number(s);
    }
}

/* After a value inside a container: a comma (and the space after it) or `close`; *more says which. */
static int next_item(Scan *s, unsigned char close, int *more) {
    skip_space(s);
    if (s->p >= s->end) return SCAN_DECLINED;
    *more = *s->p == ',';
    if (!*more && *s->p != close) return SCAN_DECLINED;
    s->p++;
    if (*more) skip_space(s);
    return SCAN_OK;
}

/* Past the opening bracket at the cursor and the space after it; *empty says the container closed at once. */
static int open_container(Scan *s, unsigned char close, int depth, int *empty) {
    if (depth > MAX_DEPTH) return SCAN_DECLINED;
    s->p++;
    skip_space(s);
    *empty = s->p < s->end && *s->p == close;
    if (*empty) s->p++;
    return SCAN_OK;
}

static int array(Scan *s, int depth) {
    int empty, status = open_container(s, ']', depth, &empty);
    if (status != SCAN_OK || empty) return status;
    for (int more = 1; more;) {
        if (s->p >= s->end) return SCAN_DECLINED;
        int status = skip_value(s, depth);
        if (status == SCAN_OK) status = next_item(s, ']', &more);
        if (status != SCAN_OK) return status;
    }
    return SCAN_OK;
}

/* A kept field's value at the cursor: null leaves the field null (an object absent). */
static int field_value(Scan *s, const Field *field, int depth) {
    if (*s->p == 'n') return literal(s, "null", 4);
    unsigned char *flags = field->slot >= 0 && field->kind != TEXT
                               ? (unsigned char *)PyByteArray_AS_STRING(s->flags[field->slot])
                               : NULL;
    int escaped = 0, status;
    switch (field->kind) {
    case TEXT:
        if (*s->p != '"') return SCAN_DECLINED;
        status = string_value(s, &s->text[field->slot], &escaped);
        s->filled |= 1u << field->slot;
        return status;
    case FLAG:
        flags[s->row] = *s->p == 't' ? FLAG_TRUE : FLAG_FALSE;
        return *s->p == 't' ? literal(s, "true", 4) : literal(s, "false", 5);
    default:
        if (*s->p != '{') return SCAN_DECLINED;
        if (flags != NULL) flags[s->row] = FLAG_TRUE;
        return object(s, field->children, depth + 1);
    }
}

/* The object at the cursor; `fields` are the ones kept of it (NULL: none). */
static int object(Scan *s, const Field *fields, int depth) {
    int empty, opened = open_container(s, '}', depth, &empty);
    if (opened != SCAN_OK || empty) return opened;
    unsigned seen = 0;
    for (int more = 1; more;) {
        if (s->p >= s->end || *s->p != '"') return SCAN_DECLINED;
        const unsigned char *name = s->p + 1;
        int escaped = 0;
        int status = string_value(s, NULL, &escaped);
        if (status != SCAN_OK) return status;
        if (fields != NULL && escaped) return SCAN_DECLINED;
        Py_ssize_t length = s->p - 1 - name;
        const Field *field = NULL;
        for (const Field *f = fields; f != NULL && f->name != NULL; f++) {
            if (f->length == length && memcmp(f->name, name, length) == 0) {
                field = f;
                break;
            }
        }
        skip_space(s);
        if (s->p >= s->end || *s->p != ':') return SCAN_DECLINED;
        s->p++;
        skip_space(s);
        if (s->p >= s->end) return SCAN_DECLINED;
        if (field != NULL) {
            unsigned bit = 1u << (field - fields);
            if (seen & bit) return SCAN_DECLINED;
            seen |= bit;
            status = field_value(s, field, depth);
        } else {
            status = skip_value(s, depth);
        }
        if (status == SCAN_OK) status = next_item(s, '}', &more);
        if (status != SCAN_OK) return status;
    }
    return SCAN_OK;
}

/* One line: an object, then its row closed in every text column. */
static int record(Scan *s) {
    skip_space(s);
    if (s->p >= s->end || *s->p != '{') return SCAN_DECLINED;
    s->filled = 0;
    int status = object(s, RECORD, 1);
    if (status != SCAN_OK) return status;
    skip_space(s);
    if (s->p < s->end) {
        if (*s->p != '\n') return SCAN_DECLINED;
        s->p++;
    }
    for (int c = 0; c < N_TEXT; c++) {
        Column *column = &s->text[c];
        if (column->size > INT32_MAX) return SCAN_DECLINED;
        if (!(s->filled >> c & 1) && set_null(column, s->row, s->max_rows) < 0) return SCAN_ERROR;
        column->ends[s->row + 1] = (int32_t)column->size;
    }
    s->row++;
    return SCAN_OK;
}

static Py_ssize_t count_newlines(const unsigned char *p, Py_ssize_t n) {
    Py_ssize_t count = 0;
    for (const unsigned char *end = p + n; (p = memchr(p, '\n', end - p)) != NULL; p++) count++;
    return count;
}

static void free_scan(Scan *s) {
    clear_columns(s->text, N_TEXT);
    for (int f = 0; f < N_FLAGS; f++) Py_XDECREF(s->flags[f]);
}

static int start_scan(Scan *s, const unsigned char *text, Py_ssize_t length) {
    memset(s, 0, sizeof *s);
    s->p = text;
    s->end = text + length;
    s->max_rows = count_newlines(text, length) + 1;
    for (int c = 0; c < N_TEXT; c++) {
        if (open_column(&s->text[c], s->max_rows, c == IN_DATA || c == OUT_DATA ? length : (1 << 16)) < 0) return -1;
    }
    for (int f = 0; f < N_FLAGS; f++) {
        s->flags[f] = PyByteArray_FromStringAndSize(NULL, s->max_rows);
        if (s->flags[f] == NULL) return -1;
        memset(PyByteArray_AS_STRING(s->flags[f]), f == CAPTURE_DATA ? FLAG_FALSE : FLAG_NULL, s->max_rows);
    }
    return 0;
}

const char scan_capture_doc[] =
    "scan_capture(data)\n"
    "--\n\n"
    "The capture records of `data` (a bytes-like block of whole JSON Lines) as\n"
    "(rows, text columns, flags): the text columns endpointInput.data, .encoding, .observedContentType,\n"
    "endpointOutput.data, .encoding, .observedContentType and eventMetadata.inferenceTime, each as\n"
    "(validity bitmap or None, int32 offsets, data, null count); the flags endpointInput.truncated,\n"
    "endpointOutput.truncated (a byte per row: 0 false, 1 true, 2 null) and captureData (1 where it is an\n"
    "object). None when the block holds anything it leaves to a full JSON parser (see _capturejson.c).";

PyObject *scan_capture(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer buffer;
    if (!PyArg_ParseTuple(args, "y*:scan_capture", &buffer)) return NULL;
    Scan s;
    PyObject *result = NULL;
    int status = start_scan(&s, buffer.buf, buffer.len);
    while (status == SCAN_OK && s.p < s.end) status = record(&s);
    if (status == SCAN_DECLINED) {
        result = Py_NewRef(Py_None);
    } else if (status == SCAN_OK) {
        PyObject *columns = column_list(s.text, N_TEXT, s.row);
        int trimmed = 1;
        for (int f = 0; f < N_FLAGS; f++) trimmed &= PyByteArray_Resize(s.flags[f], s.row) == 0;
        if (columns != NULL && trimmed) {
            result = Py_BuildValue("nN(OOO)", s.row, columns, s.flags[IN_TRUNCATED], s.flags[OUT_TRUNCATED],
                                   s.flags[CAPTURE_DATA]);
        } else {
            Py_XDECREF(columns);
        }
    }
    free_scan(&s);
    PyBuffer_Release(&buffer);
    return result;
}
