/* The distinct values of an Arrow string array and how often each occurs, giving up past a limit.

   The profiler counts a column's values exactly while it has few distinct ones (its categories). A hash
   table of at most `limit` entries, in first-seen order, stays in the CPU's cache; the first value beyond
   the limit ends the count, so a column of many distinct values costs little before it is given up.
   In C because Arrow's value_counts costs about 20 ns per value here and this 5-8 (see the commit that
   introduced it for the measurements). */

#include "_kernels.h"

static ALWAYS_INLINE uint64_t mix(uint64_t h) {
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ULL;
    h ^= h >> 32;
    return h;
}

/* Up to 8 bytes as one word, zero-padded, reading none outside them. */
static ALWAYS_INLINE uint64_t short_key(const unsigned char *p, Py_ssize_t length) {
    uint32_t low = 0, high = 0;
    if (length >= 4) {
        memcpy(&low, p, 4);
        memcpy(&high, p + length - 4, 4);
        return low | (uint64_t)high << (8 * (length - 4));
    }
    for (Py_ssize_t i = 0; i < length; i++) low |= (uint32_t)p[i] << (8 * i);
    return low;
}

/* A hash of `length` bytes that reads none outside them; *key is their word when at most 8. */
static ALWAYS_INLINE uint64_t hash_bytes(const unsigned char *p, Py_ssize_t length, uint64_t *key) {
    uint64_t h = 0x9E3779B97F4A7C15ULL * (uint64_t)(length + 1), word;
    if (length <= 8) {
        *key = short_key(p, length);
        return mix(h ^ *key);
    }
    const unsigned char *end = p + length;
    for (; end - p > 8; p += 8) {
        memcpy(&word, p, 8);
        h = mix(h ^ word) * 0xA0761D6478BD642FULL;
    }
    memcpy(&word, end - 8, 8);
    *key = 0;
    return mix(h ^ word);
}

/* A slot of the table: a distinct value (its first index in the array, its word if short) and its count. */
typedef struct {
    uint64_t hash, key;
    int64_t first, count, size;
} Entry;

typedef struct {
    Entry *slots; /* count 0: empty */
    Py_ssize_t *order; /* the slots taken, in first-seen order */
    Py_ssize_t entries, mask;
} Table;

static ALWAYS_INLINE int64_t offset_at(const void *offsets, int wide, Py_ssize_t at) {
    return wide ? ((const int64_t *)offsets)[at] : ((const int32_t *)offsets)[at];
}

/* One pass over the values; -1 once there are more than `limit` distinct ones. */
static ALWAYS_INLINE Py_ssize_t count_pass(Table *table, Py_ssize_t limit, const uint8_t *valid, const void *offsets,
                                           int wide, const unsigned char *text, Py_ssize_t offset, Py_ssize_t length) {
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_ssize_t at = offset + i;
        if (valid != NULL && !((valid[at >> 3] >> (at & 7)) & 1)) continue;
        int64_t start = offset_at(offsets, wide, at), size = offset_at(offsets, wide, at + 1) - start;
        const unsigned char *value = text + start;
        uint64_t key;
        uint64_t h = hash_bytes(value, size, &key);
        for (Py_ssize_t slot = (Py_ssize_t)(h & table->mask);; slot = (slot + 1) & table->mask) {
            Entry *entry = &table->slots[slot];
            if (entry->count == 0) {
                if (table->entries == limit) return -1;
                table->order[table->entries++] = slot;
                *entry = (Entry){h, key, i, 1, size};
                break;
            }
            if (entry->hash == h && entry->size == size &&
                (size <= 8 ? entry->key == key
                           : memcmp(text + offset_at(offsets, wide, offset + entry->first), value, size) == 0)) {
                entry->count++;
                break;
            }
        }
    }
    return table->entries;
}

const char count_values_doc[] =
    "count_values(validity, offsets, data, offset, length, wide, limit)\n"
    "--\n\n"
    "The distinct present values of an Arrow string array (its buffers, offset and length; int64 offsets\n"
    "if `wide`), in first-seen order, as (int64 index of each one's first occurrence, int64 counts), both\n"
    "bytes; None as soon as there are more than `limit` distinct values.";

PyObject *count_values(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *validity, *offsets, *data;
    Py_ssize_t offset, length, limit;
    int wide;
    if (!PyArg_ParseTuple(args, "OOOnnpn:count_values", &validity, &offsets, &data, &offset, &length, &wide, &limit))
        return NULL;
    enum { VALIDITY, OFFSETS, DATA, N_VIEWS };
    Py_buffer views[N_VIEWS] = {{0}};
    if (get_buffer(validity, &views[VALIDITY], 0) < 0 || get_buffer(offsets, &views[OFFSETS], 0) < 0 ||
        get_buffer(data, &views[DATA], 0) < 0) {
        release_views(views, N_VIEWS);
        return NULL;
    }
    if (!text_array_fits(validity, &views[VALIDITY], &views[OFFSETS], offset, length, wide) || limit < 0 ||
        limit >= INT32_MAX / 4) {
        release_views(views, N_VIEWS);
        PyErr_SetString(PyExc_ValueError, "count_values: a buffer is shorter than offset and length need");
        return NULL;
    }
    Py_ssize_t n_slots = 16;
    while (n_slots < 2 * limit) n_slots *= 2;
    Table table = {PyMem_Calloc(n_slots, sizeof(Entry)), PyMem_Malloc((limit + 1) * sizeof(Py_ssize_t)), 0,
                   n_slots - 1};
    PyObject *first = NULL, *counts = NULL, *result = NULL;
    if (table.slots == NULL || table.order == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const uint8_t *valid = validity == Py_None ? NULL : views[VALIDITY].buf;
    const unsigned char *text = views[DATA].buf;
    Py_ssize_t found = wide ? count_pass(&table, limit, valid, views[OFFSETS].buf, 1, text, offset, length)
                            : count_pass(&table, limit, valid, views[OFFSETS].buf, 0, text, offset, length);
    if (found < 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    first = PyBytes_FromStringAndSize(NULL, found * (Py_ssize_t)sizeof(int64_t));
    counts = PyBytes_FromStringAndSize(NULL, found * (Py_ssize_t)sizeof(int64_t));
    if (first == NULL || counts == NULL) goto done;
    for (Py_ssize_t e = 0; e < found; e++) {
        Entry *entry = &table.slots[table.order[e]];
        ((int64_t *)PyBytes_AS_STRING(first))[e] = entry->first;
        ((int64_t *)PyBytes_AS_STRING(counts))[e] = entry->count;
    }
    result = PyTuple_Pack(2, first, counts);
done:
    Py_XDECREF(first);
    Py_XDECREF(counts);
    PyMem_Free(table.slots);
    PyMem_Free(table.order);
    release_views(views, N_VIEWS);
    return result;
}
