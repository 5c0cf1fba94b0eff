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

enum { INTEGRAL = 0, FRACTIONAL = 1, BOOLEAN = 2, STRING = 3, MISSING = 4 };

#define MAX_DIGITS 19         /* significant digits that fit a uint64 */
#define EXACT_MANTISSA (1ULL << 53)
#define EXACT_POWER 22        /* 10^22 is the largest power of ten a double holds exactly */
#define EXPONENT_CAP 100000   /* beyond this, an exponent only matters to the slow path */

static const double POWERS_OF_TEN[EXACT_POWER + 1] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static int is_digit(unsigned char c) { return (unsigned)(c - '0') < 10; }

static int equals_ignoring_case(const unsigned char *text, const char *lower, Py_ssize_t length) {
    for (Py_ssize_t i = 0; i < length; i++) {
        if ((text[i] | 0x20) != (unsigned char)lower[i]) return 0;
    }
    return 1;
}

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

/* The Deequ type of one value; for Integral and Fractional values *number is set. -1 on error. */
static int classify_value(const unsigned char *text, Py_ssize_t length, double *number) {
    const unsigned char *p = text, *end = text + length;
    int negative = 0;
    if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
    Py_ssize_t sign_length = p - text;
    if (p < end && *p == ' ') p++;
    const unsigned char *digits = p;
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

typedef struct {
    Py_buffer validity, offsets, data, numbers, codes;
} Buffers;

static void release(Buffers *buffers) {
    Py_buffer *all[] = {&buffers->validity, &buffers->offsets, &buffers->data, &buffers->numbers,
                        &buffers->codes};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (all[i]->obj != NULL) PyBuffer_Release(all[i]);
    }
}

static int get_buffer(PyObject *object, Py_buffer *view, int writable) {
    if (object == Py_None) return 0;
    return PyObject_GetBuffer(object, view, writable ? PyBUF_WRITABLE : PyBUF_SIMPLE);
}

static int64_t offset_at(const Buffers *buffers, int wide, Py_ssize_t index) {
    return wide ? ((const int64_t *)buffers->offsets.buf)[index] : ((const int32_t *)buffers->offsets.buf)[index];
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
    PyObject *validity, *offsets, *data, *numbers, *codes;
    Py_ssize_t offset, length;
    int wide, compact;
    if (!PyArg_ParseTuple(args, "OOOnnpOOp:classify", &validity, &offsets, &data, &offset, &length, &wide,
                          &numbers, &codes, &compact))
        return NULL;
    Buffers buffers;
    memset(&buffers, 0, sizeof buffers);
    if (get_buffer(validity, &buffers.validity, 0) < 0 || get_buffer(offsets, &buffers.offsets, 0) < 0 ||
        get_buffer(data, &buffers.data, 0) < 0 || get_buffer(numbers, &buffers.numbers, 1) < 0 ||
        get_buffer(codes, &buffers.codes, 1) < 0) {
        release(&buffers);
        return NULL;
    }
    Py_ssize_t width = wide ? 8 : 4;
    if (offset < 0 || length < 0 || buffers.offsets.len < (offset + length + 1) * width ||
        (validity != Py_None && buffers.validity.len * 8 < offset + length) ||
        buffers.numbers.len < length * (Py_ssize_t)sizeof(double) ||
        (codes != Py_None && buffers.codes.len < length)) {
        release(&buffers);
        PyErr_SetString(PyExc_ValueError, "classify: a buffer is shorter than offset and length need");
        return NULL;
    }
    const uint8_t *valid = validity == Py_None ? NULL : buffers.validity.buf;
    const unsigned char *text = buffers.data.buf;
    double *out = buffers.numbers.buf;
    uint8_t *code_out = codes == Py_None ? NULL : buffers.codes.buf;
    Py_ssize_t counts[4] = {0, 0, 0, 0}, non_finite = 0, written = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_ssize_t at = offset + i;
        if (valid != NULL && !((valid[at >> 3] >> (at & 7)) & 1)) {
            if (code_out != NULL) code_out[i] = MISSING;
            if (!compact) out[i] = NAN;
            continue;
        }
        int64_t start = offset_at(&buffers, wide, at), stop = offset_at(&buffers, wide, at + 1);
        if (start < 0 || stop < start || stop > buffers.data.len) {
            release(&buffers);
            PyErr_Format(PyExc_ValueError, "classify: value %zd lies outside the data buffer", i);
            return NULL;
        }
        double number = NAN;
        int kind = classify_value(text + start, (Py_ssize_t)(stop - start), &number);
        if (kind < 0) {
            release(&buffers);
            return NULL;
        }
        counts[kind]++;
        if (code_out != NULL) code_out[i] = (uint8_t)kind;
        int numeric = kind <= FRACTIONAL, finite = isfinite(number);
        non_finite += numeric && !finite;
        if (compact) {
            out[written] = number;
            written += numeric && finite;
        } else {
            out[i] = number;
        }
    }
    release(&buffers);
    return Py_BuildValue("nnnnnn", counts[INTEGRAL], counts[FRACTIONAL], counts[BOOLEAN], counts[STRING],
                         non_finite, compact ? written : length);
}

static PyMethodDef methods[] = {
    {"classify", classify, METH_VARARGS, classify_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_textkernels", "C kernels over text values: Deequ's type rules and numbers.",
    -1, methods,
};

PyMODINIT_FUNC PyInit__textkernels(void) { return PyModule_Create(&module); }
