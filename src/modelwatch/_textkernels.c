/* Deequ's type rules and number parsing for text values, in one pass over an Arrow string array.

   A text value is Integral if it matches ^(-|\+)? ?[0-9]+$, Fractional if it matches
   ^(-|\+)? ?[0-9]+((\.[0-9]+)|((?:\.[0-9]+)?[Ee][-+]?[0-9]+))$ or (any case) [-+]?(nan|inf|infinity),
   Boolean if it is exactly `true` or `false`, otherwise String. Numeric values are parsed to the double
   Python's float() gives for the text (without the space Deequ allows after the sign): a value of at most
   19 significant digits whose decimal exponent is within 10^22 takes Clinger's exact fast path (one
   IEEE multiplication or division of exact operands); any other goes through CPython's correctly
   rounded PyOS_string_to_double.

   In C because the regular expressions cost 45 ns per decimal value and parsing another 25 ns, where
   this pass costs a few ns: see the commit that introduced it for the measurements. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "_kernels.h"

enum { INTEGRAL = 0, FRACTIONAL = 1, BOOLEAN = 2, STRING = 3, MISSING = 4 };

#define MAX_DIGITS 19         /* significant digits that fit a uint64 */
#define EXACT_MANTISSA (1ULL << 53)
#define EXACT_POWER 22        /* 10^22 is the largest power of ten a double holds exactly */
#define EXPONENT_CAP 100000   /* beyond this, an exponent only matters to the slow path */

static const double POWERS_OF_TEN[EXACT_POWER + 1] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static int equals_ignoring_case(const unsigned char *text, const char *lower, Py_ssize_t length) {
    for (Py_ssize_t i = 0; i < length; i++) {
        if ((text[i] | 0x20) != (unsigned char)lower[i]) return 0;
    }
    return 1;
}

#if SWAR
/* The number k of ASCII digits that start p[0..available) (at most 8; p[0..8) must be readable), and in
   *value the number they spell when 0 < k < 8. */
static ALWAYS_INLINE int leading_digits(const unsigned char *p, Py_ssize_t available, uint64_t *value) {
    uint64_t word = load8(p);
    uint64_t high = (word & BYTES(0xF0)) ^ BYTES(0x30), low = ((word + BYTES(0x06)) & BYTES(0xF0)) ^ BYTES(0x30);
    uint64_t other = high | low; /* non-zero in the bytes that are not digits */
    uint64_t not_digit = (((other & BYTES(0x7F)) + BYTES(0x7F)) | other) & BYTES(0x80);
    if (available < 8) not_digit |= BYTES(0x80) << (8 * available);
    int k = not_digit ? __builtin_ctzll(not_digit) >> 3 : 8;
    if (k == 0 || k == 8) return k;
    uint64_t digits = (word - BYTES('0')) << (8 * (8 - k)); /* as eight digits with leading zeros */
    digits = digits * 10 + (digits >> 8);
    *value = (((digits & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
              (((digits >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
    return k;
}
#endif

/* Boolean, a non-finite Fractional (setting *number), or String: the text has no leading digits. */
static int classify_word(const unsigned char *text, Py_ssize_t length, double *number) {
    if ((length == 4 && memcmp(text, "true", 4) == 0) || (length == 5 && memcmp(text, "false", 5) == 0))
        return BOOLEAN;
    int negative = length > 0 && text[0] == '-';
    if (length > 0 && (text[0] == '-' || text[0] == '+')) {
        text++;
        length--;
    }
    if (length == 3 && equals_ignoring_case(text, "nan", 3)) {
        *number = NAN;
        return FRACTIONAL;
    }
    if ((length == 3 && equals_ignoring_case(text, "inf", 3)) ||
        (length == 8 && equals_ignoring_case(text, "infinity", 8))) {
        *number = negative ? -INFINITY : INFINITY;
        return FRACTIONAL;
    }
    return STRING;
}

/* The sign and the digits after the optional space, parsed by CPython; -1 with an exception set on error. */
static int parse_slowly(const unsigned char *sign, Py_ssize_t sign_length, const unsigned char *rest,
                        Py_ssize_t rest_length, double *number) {
    char small[64];
    Py_ssize_t length = sign_length + rest_length;
    char *text = length < (Py_ssize_t)sizeof small ? small : PyMem_Malloc(length + 1);
    if (text == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(text, sign, sign_length);
    memcpy(text + sign_length, rest, rest_length);
    text[length] = '\0';
    *number = PyOS_string_to_double(text, NULL, NULL);
    if (text != small) PyMem_Free(text);
    return *number == -1.0 && PyErr_Occurred() ? -1 : 0;
}

/* The Deequ type of one value; for Integral and Fractional values *number is set. -1 on error.
   Bytes up to `readable` may be read (for eight at a time), past the value's end too. */
static ALWAYS_INLINE int classify_value(const unsigned char *text, Py_ssize_t length, const unsigned char *readable,
                          double *number) {
    const unsigned char *p = text, *end = text + length;
    int negative = 0;
    if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
    Py_ssize_t sign_length = p - text;
    if (p < end && *p == ' ') p++;
    const unsigned char *digits = p;
#if SWAR
    /* The common shapes first: up to 7 digits, optionally a point and up to 7 more, nothing else. */
    uint64_t whole, fraction;
    int k;
    if (readable - p >= 8 && (k = leading_digits(p, end - p, &whole)) > 0 && k < 8) {
        const unsigned char *point = p + k;
        if (point == end) {
            *number = negative ? -(double)whole : (double)whole;
            return INTEGRAL;
        }
        if (*point == '.' && readable - point >= 9 && (k = leading_digits(point + 1, end - point - 1, &fraction)) > 0 &&
            k < 8 && point + 1 + k == end) {
            double value = (double)(whole * (uint64_t)POWERS_OF_TEN[k] + fraction) / POWERS_OF_TEN[k];
            *number = negative ? -value : value;
            return FRACTIONAL;
        }
    }
#endif
    uint64_t mantissa = 0;
    int significant = 0, exponent = 0, kind = INTEGRAL;
    for (; p < end && is_digit(*p); p++) {
        if (mantissa == 0 && *p == '0') continue;
        if (significant++ < MAX_DIGITS) mantissa = mantissa * 10 + (*p - '0');
    }
    if (p == digits) return classify_word(text, length, number);
    if (p < end && *p == '.') {
        const unsigned char *fraction = ++p;
        for (; p < end && is_digit(*p); p++) {
            exponent--;
            if (mantissa == 0 && *p == '0') continue;
            if (significant++ < MAX_DIGITS) mantissa = mantissa * 10 + (*p - '0');
        }
        if (p == fraction) return STRING;
        kind = FRACTIONAL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int negative_power = 0, power = 0;
        p++;
        if (p < end && (*p == '-' || *p == '+')) negative_power = *p++ == '-';
        const unsigned char *power_digits = p;
        for (; p < end && is_digit(*p); p++) {
            if (power < EXPONENT_CAP) power = power * 10 + (*p - '0');
        }
        if (p == power_digits) return STRING;
        exponent += negative_power ? -power : power;
        kind = FRACTIONAL;
    }
    if (p != end) return STRING;
    if (mantissa == 0) {
        *number = negative ? -0.0 : 0.0;
    } else if (significant <= MAX_DIGITS && mantissa <= EXACT_MANTISSA && exponent >= -EXACT_POWER &&
               exponent <= EXACT_POWER) {
        double value = (double)mantissa;
        value = exponent < 0 ? value / POWERS_OF_TEN[-exponent] : value * POWERS_OF_TEN[exponent];
        *number = negative ? -value : value;
    } else if (parse_slowly(text, sign_length, digits, end - digits, number) < 0) {
        return -1;
    }
    return kind;
}

enum { VALIDITY, OFFSETS, DATA, NUMBERS, CODES, N_VIEWS };

/* One pass of `classify` over its values, its results in `counts` (the four types, non-finite numbers,
   numbers written); specialized by the compiler for each offset width. */
static ALWAYS_INLINE int classify_pass(const uint8_t *valid, const void *offsets, int wide, const unsigned char *text,
                                       Py_ssize_t text_length, Py_ssize_t offset, Py_ssize_t length, double *out,
                                       uint8_t *code_out, int compact, Py_ssize_t counts[6]) {
    const unsigned char *readable = text + text_length;
    Py_ssize_t written = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_ssize_t at = offset + i;
        if (valid != NULL && !((valid[at >> 3] >> (at & 7)) & 1)) {
            if (code_out != NULL) code_out[i] = MISSING;
            if (!compact) out[i] = NAN;
            continue;
        }
        int64_t start = wide ? ((const int64_t *)offsets)[at] : ((const int32_t *)offsets)[at];
        int64_t stop = wide ? ((const int64_t *)offsets)[at + 1] : ((const int32_t *)offsets)[at + 1];
        if ((uint64_t)stop > (uint64_t)text_length || (uint64_t)start > (uint64_t)stop) {
            PyErr_Format(PyExc_ValueError, "classify: value %zd lies outside the data buffer", i);
            return -1;
        }
        double number = NAN;
        int kind = classify_value(text + start, (Py_ssize_t)(stop - start), readable, &number);
        if (kind < 0) return -1;
        counts[kind]++;
        if (code_out != NULL) code_out[i] = (uint8_t)kind;
        int numeric = kind <= FRACTIONAL, finite = isfinite(number);
        counts[4] += numeric && !finite;
        if (compact) {
            out[written] = number;
            written += numeric && finite;
        } else {
            out[i] = number;
        }
    }
    counts[5] = compact ? written : length;
    return 0;
}

PyDoc_STRVAR(classify_doc,
"classify(validity, offsets, data, offset, length, wide, numbers, codes, compact)\n"
"--\n\n"
"Deequ's types of `length` values of an Arrow string array from `offset` on, given its buffers\n"
"(validity may be None; wide: int64 offsets, as in large_string).\n"
"numbers: a writable float64 buffer of `length` items. compact=True writes the finite numbers one after\n"
"another; compact=False writes each numeric value's number at its index (NaN where not numeric).\n"
"codes: None or a writable uint8 buffer of `length` items, set to 0 Integral, 1 Fractional, 2 Boolean,\n"
"3 String, 4 null.\n"
"Returns (integral, fractional, boolean, string, non_finite, numbers written): non_finite counts the\n"
"numeric values whose number is not finite (nan, inf, and text that overflows a double).");

static PyObject *classify(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *validity, *offsets, *data, *numbers, *codes;
    Py_ssize_t offset, length;
    int wide, compact;
    if (!PyArg_ParseTuple(args, "OOOnnpOOp:classify", &validity, &offsets, &data, &offset, &length, &wide,
                          &numbers, &codes, &compact))
        return NULL;
    Py_buffer views[N_VIEWS] = {{0}};
    if (get_buffer(validity, &views[VALIDITY], 0) < 0 || get_buffer(offsets, &views[OFFSETS], 0) < 0 ||
        get_buffer(data, &views[DATA], 0) < 0 || get_buffer(numbers, &views[NUMBERS], 1) < 0 ||
        get_buffer(codes, &views[CODES], 1) < 0) {
        release_views(views, N_VIEWS);
        return NULL;
    }
    if (!text_array_fits(validity, &views[VALIDITY], &views[OFFSETS], offset, length, wide) ||
        views[NUMBERS].len < length * (Py_ssize_t)sizeof(double) || (codes != Py_None && views[CODES].len < length)) {
        release_views(views, N_VIEWS);
        PyErr_SetString(PyExc_ValueError, "classify: a buffer is shorter than offset and length need");
        return NULL;
    }
    const uint8_t *valid = validity == Py_None ? NULL : views[VALIDITY].buf;
    double *out = views[NUMBERS].buf;
    uint8_t *code_out = codes == Py_None ? NULL : views[CODES].buf;
    Py_ssize_t counts[6] = {0, 0, 0, 0, 0, 0};
    int status = wide ? classify_pass(valid, views[OFFSETS].buf, 1, views[DATA].buf, views[DATA].len, offset, length,
                                      out, code_out, compact, counts)
                      : classify_pass(valid, views[OFFSETS].buf, 0, views[DATA].buf, views[DATA].len, offset, length,
                                      out, code_out, compact, counts);
    release_views(views, N_VIEWS);
    if (status < 0) return NULL;
    return Py_BuildValue("nnnnnn", counts[INTEGRAL], counts[FRACTIONAL], counts[BOOLEAN], counts[STRING], counts[4],
                         counts[5]);
}

/* ---- CSV records into Arrow string columns ---- */


/* Bytes that end an unquoted field, or that this splitter leaves to Arrow inside one (a quote). */
static unsigned char FIELD_END[256];


enum { SPLIT_OK = 0, SPLIT_UNSUPPORTED = 1, SPLIT_ERROR = -1 };

/* One field at *at, appended to `column` as row `row`; *at moves past it (not past its delimiter). */
static ALWAYS_INLINE int split_field(const unsigned char *text, Py_ssize_t length, Py_ssize_t *at, Column *column,
                       Py_ssize_t row, Py_ssize_t max_rows) {
    Py_ssize_t p = *at, before = column->size;
    if (p < length && text[p] == '"') {
        p++;
        for (;;) {
            const unsigned char *quote = memchr(text + p, '"', length - p);
            if (quote == NULL) return SPLIT_UNSUPPORTED; /* unterminated: Arrow says so */
            Py_ssize_t run = quote - (text + p);
            if (append(column, text + p, run) < 0) return SPLIT_ERROR;
            p += run + 1;
            if (p < length && text[p] == '"') {
                if (append(column, text + p, 1) < 0) return SPLIT_ERROR;
                p++;
                continue;
            }
            break;
        }
    } else {
        Py_ssize_t start = p;
#if SWAR
        for (; p + 8 <= length; p += 8) {
            uint64_t word = load8(text + p);
            /* The bytes that end a field are all below '-': look closer only at those. */
            for (uint64_t below = (word - BYTES('-')) & ~word & BYTES(0x80); below; below &= below - 1) {
                Py_ssize_t end = p + (__builtin_ctzll(below) >> 3);
                if (!FIELD_END[text[end]]) continue;
                if (text[end] == '"') return SPLIT_UNSUPPORTED;
                if (p - start <= 8) {
                    /* A field of at most two words (most are): stored as whole words, the bytes past it
                       overwritten by the next field. */
                    if (column->size + 16 > column->capacity && grow(column, 16) < 0) return SPLIT_ERROR;
                    memcpy(column->bytes + column->size, text + start, 8);
                    if (p > start) memcpy(column->bytes + column->size + 8, &word, 8);
                    column->size += end - start;
                    p = end;
                    goto stored;
                }
                p = end;
                goto found;
            }
        }
#endif
        while (p < length && !FIELD_END[text[p]]) p++;
#if SWAR
    found:
#endif
        if (p < length && text[p] == '"') return SPLIT_UNSUPPORTED;
        if (append(column, text + start, p - start) < 0) return SPLIT_ERROR;
    }
#if SWAR
stored:
#endif
    if (column->size > INT32_MAX) return SPLIT_UNSUPPORTED;
    if (column->size == before && set_null(column, row, max_rows) < 0) return SPLIT_ERROR;
    column->ends[row + 1] = (int32_t)column->size;
    *at = p;
    return SPLIT_OK;
}

/* Up to max_rows records from *at into `columns`; *at moves to the end of the last one split. */
static int split_records(const unsigned char *text, Py_ssize_t length, Py_ssize_t *at, Column *columns,
                         Py_ssize_t n_columns, Py_ssize_t max_rows, Py_ssize_t *rows) {
    Py_ssize_t p = *at;
    while (*rows < max_rows && p < length) {
        if (text[p] == '\n') { /* an empty line: Arrow skips it */
            *at = ++p;
            continue;
        }
        if (text[p] == '\r') {
            if (p + 1 < length && text[p + 1] == '\n') {
                *at = p += 2;
                continue;
            }
            return SPLIT_UNSUPPORTED; /* a lone carriage return ends a line for Arrow */
        }
        for (Py_ssize_t c = 0;; c++) {
            if (c >= n_columns) return SPLIT_UNSUPPORTED; /* too many fields: Arrow explains */
            int status = split_field(text, length, &p, &columns[c], *rows, max_rows);
            if (status != SPLIT_OK) return status;
            int last = c == n_columns - 1;
            if (p >= length) {
                if (!last) return SPLIT_UNSUPPORTED;
                break;
            }
            if (text[p] == ',') {
                p++;
                if (p >= length && last) return SPLIT_UNSUPPORTED;
                continue;
            }
            if (!last) return SPLIT_UNSUPPORTED; /* too few fields, or text after a closing quote */
            if (text[p] == '\n') {
                p++;
                break;
            }
            if (text[p] == '\r' && p + 1 < length && text[p + 1] == '\n') {
                p += 2;
                break;
            }
            return SPLIT_UNSUPPORTED;
        }
        (*rows)++;
        *at = p;
    }
    return SPLIT_OK;
}


PyDoc_STRVAR(split_csv_doc,
"split_csv(data, position, columns, max_rows)\n"
"--\n\n"
"Up to max_rows CSV records of `data` (a bytes-like chunk of whole records) from byte `position` on,\n"
"split into `columns` Arrow string columns the way pyarrow's CSV reader does with newlines in values,\n"
"empty fields (quoted or not) null and empty lines skipped: returns (position after the records, rows,\n"
"[(validity bitmap or None, int32 offsets, data, null count) per column]).\n"
"Splits only the plain dialect: the records are valid UTF-8, end with \\n or \\r\\n, have `columns`\n"
"fields each, and quotes only enclose whole fields. At the first record of a batch that is not plain\n"
"(bad input among them) it returns None, and the caller hands the text from `position` on to Arrow.");

/* The bytes a column will likely hold for max_rows records from `position`, judged by the rows in the
   first 64 KiB, and some to spare: growing a column copies it, and a batch fills several MiB. */
static Py_ssize_t column_bytes(const unsigned char *text, Py_ssize_t length, Py_ssize_t position,
                               Py_ssize_t n_columns, Py_ssize_t max_rows) {
    Py_ssize_t sample = length - position < (1 << 16) ? length - position : (1 << 16), rows = 0;
    for (const unsigned char *p = text + position, *end = p + sample; (p = memchr(p, '\n', end - p)) != NULL; p++)
        rows++;
    Py_ssize_t expected = rows > 0 && max_rows < (length - position) / (sample / rows + 1)
                              ? max_rows * (sample / rows + 1)
                              : length - position;
    return expected / n_columns + expected / n_columns / 8 + 64;
}

static PyObject *split_csv(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer buffer;
    Py_ssize_t position, n_columns, max_rows;
    if (!PyArg_ParseTuple(args, "y*nnn:split_csv", &buffer, &position, &n_columns, &max_rows)) return NULL;
    const unsigned char *text = buffer.buf;
    Py_ssize_t length = buffer.len;
    if (n_columns < 1 || max_rows < 1 || position < 0 || position > length) {
        PyBuffer_Release(&buffer);
        PyErr_SetString(PyExc_ValueError, "split_csv: columns and max_rows must be positive, position in data");
        return NULL;
    }
    if (position == 0 && length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) position = 3; /* as Arrow */
    Column *columns = PyMem_Calloc(n_columns, sizeof(Column));
    if (columns == NULL) {
        PyBuffer_Release(&buffer);
        return PyErr_NoMemory();
    }
    Py_ssize_t estimate = column_bytes(text, length, position, n_columns, max_rows);
    for (Py_ssize_t c = 0; c < n_columns; c++) {
        if (open_column(&columns[c], max_rows, estimate) < 0) {
            free_columns(columns, n_columns);
            PyBuffer_Release(&buffer);
            return NULL;
        }
    }
    Py_ssize_t at = position, rows = 0;
    int status = split_records(text, length, &at, columns, n_columns, max_rows, &rows);
    if (status == SPLIT_OK && !is_ascii(text + position, at - position) &&
        !is_valid_utf8(text + position, at - position))
        status = SPLIT_UNSUPPORTED;
    PyObject *result = NULL;
    if (status == SPLIT_UNSUPPORTED) {
        result = Py_NewRef(Py_None);
    } else if (status == SPLIT_OK) {
        PyObject *list = column_list(columns, n_columns, rows);
        if (list != NULL) result = Py_BuildValue("nnN", at, rows, list);
    }
    free_columns(columns, n_columns);
    PyBuffer_Release(&buffer);
    return result;
}

/* The newlines and quotes among n bytes; in groups of 240 whose per-byte tallies fit a uint8, a shape
   the compiler vectorizes (16 or 32 bytes per instruction), so the count runs near memory bandwidth. */
static void count_newlines_and_quotes(const unsigned char *p, Py_ssize_t n, Py_ssize_t *newlines,
                                      Py_ssize_t *quotes) {
    enum { GROUP = 240 };
    Py_ssize_t total_newlines = 0, total_quotes = 0;
    for (; n >= GROUP; p += GROUP, n -= GROUP) {
        uint8_t group_newlines = 0, group_quotes = 0;
        for (int i = 0; i < GROUP; i++) {
            group_newlines += p[i] == '\n';
            group_quotes += p[i] == '"';
        }
        total_newlines += group_newlines;
        total_quotes += group_quotes;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        total_newlines += p[i] == '\n';
        total_quotes += p[i] == '"';
    }
    *newlines += total_newlines;
    *quotes += total_quotes;
}

PyDoc_STRVAR(record_ends_doc,
"record_ends(data, offset, wanted, quoted)\n"
"--\n\n"
"The record-ending newlines of CSV text `data` (the bytes of a file from `offset` on): a newline ends a\n"
"record iff an even number of quotes precede it (RFC 4180), counting from a record boundary, or from an\n"
"odd count when `quoted` is true (the block starts inside a quoted field).\n"
"For each offset of `wanted` (sorted, in file offsets) in turn, the first record-ending newline at or\n"
"past it in data, as (its index in data, the newlines in data up to and including it), stopping at the\n"
"first offset that has none in data. Returns (those pairs, newlines, quoted): the newlines in data and\n"
"whether its end lies inside a quoted field; both cover the whole of data only when some offset was\n"
"left unresolved (or `wanted` is empty).");

static PyObject *record_ends(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer buffer;
    Py_ssize_t offset;
    PyObject *wanted;
    int quoted;
    if (!PyArg_ParseTuple(args, "y*nOp:record_ends", &buffer, &offset, &wanted, &quoted)) return NULL;
    PyObject *targets = PySequence_Fast(wanted, "record_ends: wanted must be a sequence of offsets");
    PyObject *ends = targets != NULL ? PyList_New(0) : NULL;
    if (ends == NULL) {
        Py_XDECREF(targets);
        PyBuffer_Release(&buffer);
        return NULL;
    }
    const unsigned char *text = buffer.buf;
    Py_ssize_t length = buffer.len, position = 0, newlines = 0, quotes = quoted ? 1 : 0;
    Py_ssize_t end = -1, end_newlines = 0; /* the last record end found, its newline count */
    Py_ssize_t n_targets = PySequence_Fast_GET_SIZE(targets);
    for (Py_ssize_t t = 0; t < n_targets; t++) {
        Py_ssize_t target = PyNumber_AsSsize_t(PySequence_Fast_GET_ITEM(targets, t), PyExc_OverflowError);
        if (target == -1 && PyErr_Occurred()) goto fail;
        target = target > offset ? target - offset : 0;
        if (target > end) {
            if (target >= length) break;
            if (target > position) {
                count_newlines_and_quotes(text + position, target - position, &newlines, &quotes);
                position = target;
            }
            end = -1;
            while (end < 0) {
                const unsigned char *newline = memchr(text + position, '\n', length - position);
                if (newline == NULL) break;
                Py_ssize_t at = newline - text;
                count_newlines_and_quotes(text + position, at - position, &newlines, &quotes);
                newlines++;
                position = at + 1;
                if ((quotes & 1) == 0) end = at, end_newlines = newlines;
            }
            if (end < 0) break;
        }
        PyObject *pair = Py_BuildValue("nn", end, end_newlines);
        if (pair == NULL || PyList_Append(ends, pair) < 0) {
            Py_XDECREF(pair);
            goto fail;
        }
        Py_DECREF(pair);
    }
    if (PyList_GET_SIZE(ends) < n_targets || n_targets == 0) {
        count_newlines_and_quotes(text + position, length - position, &newlines, &quotes);
    }
    Py_DECREF(targets);
    PyBuffer_Release(&buffer);
    return Py_BuildValue("NnN", ends, newlines, PyBool_FromLong(quotes & 1));
fail:
    Py_DECREF(ends);
    Py_DECREF(targets);
    PyBuffer_Release(&buffer);
    return NULL;
}

static PyMethodDef methods[] = {
    {"classify", classify, METH_VARARGS, classify_doc},
    {"split_csv", split_csv, METH_VARARGS, split_csv_doc},
    {"record_ends", record_ends, METH_VARARGS, record_ends_doc},
    {"scan_capture", scan_capture, METH_VARARGS, scan_capture_doc},
    {"count_values", count_values, METH_VARARGS, count_values_doc},
    {"sort_doubles", sort_doubles, METH_VARARGS, sort_doubles_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_textkernels",
    "C kernels over text: Deequ's types and numbers, CSV splitting, record boundaries, capture records read "
    "and written, value counts, a float64 sort.",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__textkernels(void) {
    FIELD_END[','] = FIELD_END['\n'] = FIELD_END['\r'] = FIELD_END['"'] = 1;
    PyObject *created = PyModule_Create(&module);
    if (created != NULL && add_line_encoder(created) < 0) Py_CLEAR(created);
    return created;
}
