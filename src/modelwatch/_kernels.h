/* What the C kernels share: SWAR helpers, Arrow string columns built in bytearrays, UTF-8 checks. */

#ifndef MODELWATCH_KERNELS_H
#define MODELWATCH_KERNELS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Eight bytes at a time where the compiler and byte order allow (SWAR: SIMD within a register). */
#ifdef __GNUC__
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1
#define BYTES(b) (0x0101010101010101ULL * (b))

static inline uint64_t load8(const unsigned char *p) {
    uint64_t word;
    memcpy(&word, p, 8);
    return word;
}

/* The high bit of each byte of `word` that is zero; the lowest one set is exact. */
static inline uint64_t zero_bytes(uint64_t word) { return (word - BYTES(0x01)) & ~word & BYTES(0x80); }

/* The high bit of each byte of `word` that a JSON string cannot hold as it is: a quote, a backslash, a
   control character or a non-ASCII byte (_capturejson.c reads them, _capturelines.c writes them). The
   lowest one set is exact. */
static ALWAYS_INLINE uint64_t string_stops(uint64_t word) {
    return zero_bytes(word ^ BYTES('"')) | zero_bytes(word ^ BYTES('\\')) |
           ((((word - BYTES(0x20)) & ~word) | word) & BYTES(0x80));
}
#else
#define SWAR 0
#endif

/* The end of the run from `p` of bytes a JSON string holds as they are: the first quote, backslash,
   control character or non-ASCII byte, or `end`. */
static ALWAYS_INLINE const unsigned char *plain_string_run(const unsigned char *p, const unsigned char *end) {
#if SWAR
    for (; p + 8 <= end; p += 8) {
        uint64_t stops = string_stops(load8(p));
        if (stops) return p + (__builtin_ctzll(stops) >> 3);
    }
#endif
    while (p < end && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80) p++;
    return p;
}

/* A bytes-like object's buffer (writable if asked), or nothing for None; -1 with an exception on error. */
static inline int get_buffer(PyObject *object, Py_buffer *view, int writable) {
    if (object == Py_None) return 0;
    return PyObject_GetBuffer(object, view, writable ? PyBUF_WRITABLE : PyBUF_SIMPLE);
}

static inline void release_views(Py_buffer *views, int n) {
    for (int i = 0; i < n; i++) {
        if (views[i].obj != NULL) PyBuffer_Release(&views[i]);
    }
}

/* Whether an Arrow string array's validity (None: no nulls) and offsets (int64 if `wide`) cover the
   `length` values from `offset`. */
static inline int text_array_fits(PyObject *validity, Py_buffer *valid, Py_buffer *offsets, Py_ssize_t offset,
                                  Py_ssize_t length, int wide) {
    Py_ssize_t width = wide ? 8 : 4;
    return offset >= 0 && length >= 0 && offsets->len >= (offset + length + 1) * width &&
           (validity == Py_None || valid->len * 8 >= offset + length);
}

/* An Arrow string column being built: its offsets, data and (once a null appears) validity. */
typedef struct {
    PyObject *offsets, *data, *validity; /* bytearrays */
    int32_t *ends;                        /* the offsets' storage: ends[row + 1] ends the row */
    char *bytes;                          /* the data's storage, moved when it grows */
    Py_ssize_t size, capacity, nulls;
} Column;

/* A new empty column of room for `max_rows` rows and `capacity` bytes; -1 with an exception on error. */
static inline int open_column(Column *column, Py_ssize_t max_rows, Py_ssize_t capacity) {
    column->offsets = PyByteArray_FromStringAndSize(NULL, (max_rows + 1) * 4);
    column->data = PyByteArray_FromStringAndSize(NULL, capacity);
    if (column->offsets == NULL || column->data == NULL) return -1;
    column->ends = (int32_t *)PyByteArray_AS_STRING(column->offsets);
    column->bytes = PyByteArray_AS_STRING(column->data);
    column->capacity = capacity;
    column->ends[0] = 0;
    return 0;
}

static inline int grow(Column *column, Py_ssize_t needed) {
    Py_ssize_t capacity = column->capacity * 2;
    if (capacity < column->size + needed) capacity = column->size + needed;
    if (PyByteArray_Resize(column->data, capacity) < 0) return -1;
    column->bytes = PyByteArray_AS_STRING(column->data);
    column->capacity = capacity;
    return 0;
}

static inline int append(Column *column, const unsigned char *bytes, Py_ssize_t length) {
    if (column->size + length > column->capacity && grow(column, length) < 0) return -1;
    memcpy(column->bytes + column->size, bytes, length);
    column->size += length;
    return 0;
}

static inline int set_null(Column *column, Py_ssize_t row, Py_ssize_t max_rows) {
    if (column->validity == NULL) {
        column->validity = PyByteArray_FromStringAndSize(NULL, (max_rows + 7) / 8);
        if (column->validity == NULL) return -1;
        memset(PyByteArray_AS_STRING(column->validity), 0xFF, (max_rows + 7) / 8);
    }
    PyByteArray_AS_STRING(column->validity)[row >> 3] &= (char)~(1 << (row & 7));
    column->nulls++;
    return 0;
}

/* The length of the UTF-8 sequence that starts `text` (of `available` bytes, text[0] >= 0x80), or 0
   when it is not a valid one (overlong, a surrogate, beyond U+10FFFF, cut short). */
static inline int utf8_sequence(const unsigned char *text, Py_ssize_t available) {
    unsigned char c = text[0], low = 0x80, high = 0xBF;
    int extra;
    if (c >= 0xC2 && c <= 0xDF) extra = 1;
    else if (c == 0xE0) extra = 2, low = 0xA0;
    else if (c == 0xED) extra = 2, high = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF) extra = 2;
    else if (c == 0xF0) extra = 3, low = 0x90;
    else if (c == 0xF4) extra = 3, high = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3) extra = 3;
    else return 0;
    if (extra >= available) return 0;
    if (text[1] < low || text[1] > high) return 0;
    for (int k = 2; k <= extra; k++) {
        if (text[k] < 0x80 || text[k] > 0xBF) return 0;
    }
    return extra + 1;
}

static inline int is_valid_utf8(const unsigned char *text, Py_ssize_t length) {
    Py_ssize_t i = 0;
    while (i < length) {
        if (text[i] < 0x80) {
            i++;
            continue;
        }
        int n = utf8_sequence(text + i, length - i);
        if (n == 0) return 0;
        i += n;
    }
    return 1;
}

static inline int is_digit(unsigned char c) { return (unsigned)(c - '0') < 10; }

static inline int is_ascii(const unsigned char *text, Py_ssize_t length) {
    uint64_t high = 0;
    Py_ssize_t i = 0;
    for (; i + 8 <= length; i += 8) {
        uint64_t word;
        memcpy(&word, text + i, 8);
        high |= word;
    }
    for (; i < length; i++) high |= text[i];
    return (high & 0x8080808080808080ULL) == 0;
}

static inline void clear_columns(Column *columns, Py_ssize_t n_columns) {
    for (Py_ssize_t c = 0; c < n_columns; c++) {
        Py_CLEAR(columns[c].offsets);
        Py_CLEAR(columns[c].data);
        Py_CLEAR(columns[c].validity);
    }
}

static inline void free_columns(Column *columns, Py_ssize_t n_columns) {
    clear_columns(columns, n_columns);
    PyMem_Free(columns);
}

/* The built columns as a list of (validity or None, offsets, data, null count), trimmed to `rows`. */
static inline PyObject *column_list(Column *columns, Py_ssize_t n_columns, Py_ssize_t rows) {
    PyObject *list = PyList_New(n_columns);
    if (list == NULL) return NULL;
    for (Py_ssize_t c = 0; c < n_columns; c++) {
        Column *column = &columns[c];
        if (PyByteArray_Resize(column->offsets, (rows + 1) * 4) < 0 ||
            PyByteArray_Resize(column->data, column->size) < 0 ||
            (column->validity != NULL && PyByteArray_Resize(column->validity, (rows + 7) / 8) < 0)) {
            Py_DECREF(list);
            return NULL;
        }
        PyObject *item = Py_BuildValue("OOOn", column->validity ? column->validity : Py_None, column->offsets,
                                       column->data, column->nulls);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, c, item);
    }
    return list;
}

/* Defined in their own files, listed in _textkernels.c's module. */
extern const char scan_capture_doc[], count_values_doc[], sort_doubles_doc[];
PyObject *scan_capture(PyObject *module, PyObject *args);
PyObject *count_values(PyObject *module, PyObject *args);
PyObject *sort_doubles(PyObject *module, PyObject *args);
int add_line_encoder(PyObject *module); /* the LineEncoder and LineQueue types (_capturelines.c); -1 with an exception */

#endif
