/* The capture proxy's connections, the common path of an exchange in C.

   A plain request that arrives whole in one read, answered by a plain response that arrives whole in
   one read, is nearly all inference traffic. Its way through the proxy is two calls from the event
   loop: the client connection's data_received (parse, take a pooled upstream connection, forward)
   and the upstream connection's data_received (check, capture, write to the client, back to the pool,
   count). A plain response whose head comes whole and its body in later reads takes one more call a
   read, each passing the read on as it came. Written in Python around the C parsers, that way cost about 30,000 instructions a request
   in object, attribute and call overhead: as much as the proxy's parsing, forwarding and encoding
   together, and the part that kept the proxy below its throughput goal.

   Here are the base types of the proxy's Python classes. They hold the state that way reads and
   writes, as members the Python subclasses see as attributes, and its steps as C methods the Python
   code calls too, so each step has one implementation. Whatever is not the common path (httptools
   parsing, connecting, errors, pipelining, closing) calls back into Python. */

#include "_httpkernels.h"

#include <structmember.h>

static PyObject *str_close, *str_resume, *str_parse, *str_renew_parser, *str_send_failed, *str_connect,
    *str_after_answer, *str_write, *str_writelines, *empty_bytes;

#define CONNECTION_CLOSE "connection: close\r\n"
#define POSTPONE_BELOW 65536 /* a body shorter leaves whole with the response's end (client_response_start) */

static inline int present(PyObject *object) { return object != NULL && object != Py_None; }

static PyObject *call_method(PyObject *self, PyObject *name) {
    PyObject *args[1] = {self};
    return PyObject_VectorcallMethod(name, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
}

static PyObject *call_method_one(PyObject *self, PyObject *name, PyObject *arg) {
    PyObject *args[2] = {self, arg};
    return PyObject_VectorcallMethod(name, args, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
}

/* A call whose result is not wanted: 0, or -1 with an exception. */
static inline int done(PyObject *result) {
    if (result == NULL) return -1;
    Py_DECREF(result);
    return 0;
}

/* Whether a base type's __init__ has run (`field` is one it sets): else 0 with an exception. */
static int initialized(const void *field) {
    if (field != NULL) return 1;
    PyErr_SetString(PyExc_RuntimeError, "a proxy connection or pool used before its base __init__");
    return 0;
}

/* The float a clock callable returns (loop.time, time.time): 0, or -1 with an exception. */
static int read_clock(PyObject *clock, double *seconds) {
    if (!initialized(clock)) return -1;
    PyObject *result = PyObject_CallNoArgs(clock);
    if (result == NULL) return -1;
    *seconds = PyFloat_AsDouble(result);
    Py_DECREF(result);
    return *seconds == -1.0 && PyErr_Occurred() ? -1 : 0;
}

/* ---- Request ---------------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD PyObject *wire; /* a list of bytes: the head, and the body behind it or apart */
    PyObject *body, *content_type, *inference_id, *custom_attributes;
    char keep_alive, http_11, is_head;
    double received;
} Request;

static PyTypeObject RequestType;

/* A request that takes the references it is given. */
static Request *request_taking(PyObject *wire, PyObject *body, PyObject *content_type, PyObject *inference_id,
                               PyObject *custom_attributes, int keep_alive, int http_11, int is_head) {
    Request *self = PyObject_New(Request, &RequestType);
    if (self == NULL) {
        Py_DECREF(wire);
        Py_DECREF(body);
        Py_DECREF(content_type);
        Py_DECREF(inference_id);
        Py_DECREF(custom_attributes);
        return NULL;
    }
    self->wire = wire;
    self->body = body;
    self->content_type = content_type;
    self->inference_id = inference_id;
    self->custom_attributes = custom_attributes;
    self->keep_alive = (char)keep_alive;
    self->http_11 = (char)http_11;
    self->is_head = (char)is_head;
    self->received = monotonic_seconds();
    return self;
}

static PyObject *Request_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    (void)type;
    static char *keywords[] = {"wire",       "body",    "content_type", "inference_id", "custom_attributes",
                               "keep_alive", "http_11", "is_head",      NULL};
    PyObject *wire, *body, *content_type, *inference_id, *custom_attributes;
    int keep_alive, http_11, is_head;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!SUOOppp:Request", keywords, &PyList_Type, &wire, &body,
                                     &content_type, &inference_id, &custom_attributes, &keep_alive, &http_11,
                                     &is_head)) {
        return NULL;
    }
    return (PyObject *)request_taking(Py_NewRef(wire), Py_NewRef(body), Py_NewRef(content_type),
                                      Py_NewRef(inference_id), Py_NewRef(custom_attributes), keep_alive, http_11,
                                      is_head);
}

static void Request_dealloc(Request *self) {
    Py_XDECREF(self->wire);
    Py_XDECREF(self->body);
    Py_XDECREF(self->content_type);
    Py_XDECREF(self->inference_id);
    Py_XDECREF(self->custom_attributes);
    PyObject_Free(self);
}

static PyMemberDef Request_members[] = {
    {"wire", T_OBJECT_EX, offsetof(Request, wire), READONLY, NULL},
    {"body", T_OBJECT_EX, offsetof(Request, body), READONLY, NULL},
    {"content_type", T_OBJECT_EX, offsetof(Request, content_type), READONLY, NULL},
    {"inference_id", T_OBJECT_EX, offsetof(Request, inference_id), READONLY, NULL},
    {"custom_attributes", T_OBJECT_EX, offsetof(Request, custom_attributes), READONLY, NULL},
    {"keep_alive", T_BOOL, offsetof(Request, keep_alive), READONLY, NULL},
    {"http_11", T_BOOL, offsetof(Request, http_11), READONLY, NULL},
    {"is_head", T_BOOL, offsetof(Request, is_head), READONLY, NULL},
    {"received", T_DOUBLE, offsetof(Request, received), READONLY, "now() when it was read whole"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject RequestType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "modelwatch._httpkernels.Request",
    .tp_basicsize = sizeof(Request),
    .tp_dealloc = (destructor)Request_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Request(wire, body, content_type, inference_id, custom_attributes, keep_alive, http_11, is_head)\n\n"
              "A request read whole from the client, ready to forward: `wire` (a list of bytes) is what goes to "
              "the upstream.",
    .tp_members = Request_members,
    .tp_new = Request_new,
};

/* ---- UpstreamBase ----------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD PyObject *loop_time, *busy, *hop_by_hop, *transport, *handler;
    Py_ssize_t remaining; /* bytes still to come of a plain response that did not arrive whole */
    double idle_since, last_activity;
    char closed, reused, paused, complete, keep_alive, nothing_received, whole, parser_reusable, head_request,
        head_seen, interim;
} Upstream;

static PyTypeObject UpstreamType;
static PyTypeObject ClientType;
static int client_response_whole(PyObject *client, PyObject *data, int status, PyObject *content_type,
                                  Py_ssize_t head_length);
static int client_response_start(PyObject *client, PyObject *data, const PlainResponse *plain);
static int client_response_part(PyObject *client, PyObject *chunk, int last);

static int Upstream_init(Upstream *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"loop_time", "busy", "hop_by_hop", NULL};
    PyObject *loop_time, *busy, *hop_by_hop;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO!O!:UpstreamBase", keywords, &loop_time, &PySet_Type, &busy,
                                     &PyTuple_Type, &hop_by_hop)) {
        return -1;
    }
    Py_XSETREF(self->loop_time, Py_NewRef(loop_time));
    Py_XSETREF(self->busy, Py_NewRef(busy));
    Py_XSETREF(self->hop_by_hop, Py_NewRef(hop_by_hop));
    self->complete = self->parser_reusable = 1;
    return 0;
}

static int upstream_send(Upstream *self, PyObject *wire, int head_request, PyObject *handler, int whole) {
    Py_XSETREF(self->handler, Py_NewRef(handler));
    if (!self->parser_reusable && done(call_method((PyObject *)self, str_renew_parser)) < 0) return -1;
    self->parser_reusable = !head_request; /* after HEAD the parser would wait for a body */
    self->head_request = (char)head_request;
    self->head_seen = self->interim = self->keep_alive = self->complete = 0;
    self->nothing_received = 1;
    self->whole = whole && !head_request;
    self->remaining = 0;
    if (self->closed || !present(self->transport)) return done(call_method((PyObject *)self, str_send_failed));
    if (read_clock(self->loop_time, &self->last_activity) < 0) return -1;
    if (PySet_Add(self->busy, (PyObject *)self) < 0) return -1;
    return done(call_method_one(self->transport, str_writelines, wire)); /* one system call for all parts */
}

static PyObject *Upstream_send(Upstream *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 3 || nargs > 4) {
        PyErr_SetString(PyExc_TypeError, "send(request, head_request, handler, whole=False)");
        return NULL;
    }
    if (!initialized(self->busy)) return NULL;
    int head_request = PyObject_IsTrue(args[1]), whole = nargs == 4 ? PyObject_IsTrue(args[3]) : 0;
    if (head_request < 0 || whole < 0 || upstream_send(self, args[0], head_request, args[2], whole) < 0) return NULL;
    Py_RETURN_NONE;
}

/* A whole plain response: to the client connection in one call, this connection free again. */
static int upstream_response_whole(Upstream *self, PyObject *data, PlainResponse *plain) {
    self->keep_alive = self->complete = 1;
    if (PySet_Discard(self->busy, (PyObject *)self) < 0) return -1;
    PyObject *handler = self->handler;
    self->handler = NULL;
    int result = client_response_whole(handler, data, plain->status, plain->content_type, plain->head_length);
    Py_DECREF(handler);
    return result;
}

/* A further read of a plain response that did not arrive whole: on to the client as it came, up to the
   response's end; bytes beyond it were not asked for, and the connection is closed. */
static PyObject *upstream_stream(Upstream *self, PyObject *data) {
    Py_ssize_t size = PyBytes_GET_SIZE(data);
    int beyond = size > self->remaining;
    PyObject *chunk = beyond ? PyBytes_FromStringAndSize(PyBytes_AS_STRING(data), self->remaining) : Py_NewRef(data);
    if (chunk == NULL) return NULL;
    self->remaining -= PyBytes_GET_SIZE(chunk);
    int last = self->remaining == 0, result = 0;
    PyObject *handler = self->handler;
    if (last) {
        self->keep_alive = self->complete = 1;
        self->handler = NULL;
        result = PySet_Discard(self->busy, (PyObject *)self) < 0 ? -1 : 0;
    } else {
        Py_XINCREF(handler);
    }
    if (result == 0 && present(handler) && PyObject_TypeCheck(handler, &ClientType)) {
        result = client_response_part(handler, chunk, last);
    }
    Py_XDECREF(handler);
    Py_DECREF(chunk);
    if (result == 0 && beyond) result = done(call_method((PyObject *)self, str_close));
    if (result < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Upstream_data_received(Upstream *self, PyObject *data) {
    self->nothing_received = 0;
    if (self->complete) return call_method((PyObject *)self, str_close); /* bytes nobody asked for */
    if (read_clock(self->loop_time, &self->last_activity) < 0) return NULL;
    if (self->remaining > 0) return upstream_stream(self, data);
    /* only the first read can start a plain response; only the proxy's client connection takes it */
    if (self->whole && present(self->handler) && PyObject_TypeCheck(self->handler, &ClientType)) {
        self->whole = 0;
        PlainResponse plain;
        int found = plain_response_checked(data, self->hop_by_hop, &plain), result = 0;
        if (found < 0) return NULL;
        if (found == 1) {
            result = upstream_response_whole(self, data, &plain);
        } else if (found == 2) {
            /* its head whole, its body to come (a server that writes the head and the body apart, as uvicorn
               does, has a fifth of its responses read so at half load): see client_response_start */
            self->remaining = plain.head_length + plain.body_length - PyBytes_GET_SIZE(data);
            result = client_response_start(self->handler, data, &plain);
        }
        if (found) Py_DECREF(plain.content_type);
        if (result < 0) return NULL;
        if (found) Py_RETURN_NONE;
    }
    self->whole = 0;
    return call_method_one((PyObject *)self, str_parse, data);
}

static PyObject *Upstream_reusable(Upstream *self, void *Py_UNUSED(closure)) {
    return PyBool_FromLong(self->complete && !self->closed && self->keep_alive);
}

static int Upstream_traverse(Upstream *self, visitproc visit, void *arg) {
    Py_VISIT(self->loop_time);
    Py_VISIT(self->busy);
    Py_VISIT(self->hop_by_hop);
    Py_VISIT(self->transport);
    Py_VISIT(self->handler);
    return 0;
}

static int Upstream_clear(Upstream *self) {
    Py_CLEAR(self->loop_time);
    Py_CLEAR(self->busy);
    Py_CLEAR(self->hop_by_hop);
    Py_CLEAR(self->transport);
    Py_CLEAR(self->handler);
    return 0;
}

static void Upstream_dealloc(Upstream *self) {
    PyObject_GC_UnTrack(self);
    Upstream_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Upstream_methods[] = {
    {"send", (PyCFunction)(void (*)(void))Upstream_send, METH_FASTCALL,
     "send(request, head_request, handler, whole=False)\n\nWrite a whole request, given in parts (a large body "
     "is not copied behind the head); the response goes to `handler`, ending in `response_end` or "
     "`response_failed` (after which the connection is closed). `whole`: when `handler` is a ClientBase, a "
     "plain response goes to it by C calls instead, whole or read by read (never for HEAD: its response has "
     "no body to check). Calls "
     "`_renew_parser()` when the parser cannot take another response and `_send_failed()` on a closed "
     "connection."},
    {"data_received", (PyCFunction)Upstream_data_received, METH_O,
     "A plain response (sent with `whole`) is passed on to the client connection in C, whole or read by "
     "read; anything else goes to `_parse(data)`."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Upstream_members[] = {
    {"loop_time", T_OBJECT_EX, offsetof(Upstream, loop_time), READONLY, NULL},
    {"busy", T_OBJECT_EX, offsetof(Upstream, busy), READONLY, "the pool's set of connections with an exchange under way"},
    {"hop_by_hop", T_OBJECT_EX, offsetof(Upstream, hop_by_hop), READONLY, NULL},
    {"transport", T_OBJECT, offsetof(Upstream, transport), 0, NULL},
    {"_handler", T_OBJECT, offsetof(Upstream, handler), 0, NULL},
    {"idle_since", T_DOUBLE, offsetof(Upstream, idle_since), 0, NULL},
    {"last_activity", T_DOUBLE, offsetof(Upstream, last_activity), 0, NULL},
    {"closed", T_BOOL, offsetof(Upstream, closed), 0, NULL},
    {"reused", T_BOOL, offsetof(Upstream, reused), 0, NULL},
    {"_paused", T_BOOL, offsetof(Upstream, paused), 0, NULL},
    {"_complete", T_BOOL, offsetof(Upstream, complete), 0, NULL},
    {"_keep_alive", T_BOOL, offsetof(Upstream, keep_alive), 0, NULL},
    {"_nothing_received", T_BOOL, offsetof(Upstream, nothing_received), 0, NULL},
    {"_whole", T_BOOL, offsetof(Upstream, whole), 0, NULL},
    {"_parser_reusable", T_BOOL, offsetof(Upstream, parser_reusable), 0, NULL},
    {"_head_request", T_BOOL, offsetof(Upstream, head_request), 0, NULL},
    {"_head_seen", T_BOOL, offsetof(Upstream, head_seen), 0, NULL},
    {"_interim", T_BOOL, offsetof(Upstream, interim), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef Upstream_getset[] = {
    {"reusable", (getter)Upstream_reusable, NULL, "the exchange is complete and the connection stays open", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject UpstreamType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "modelwatch._httpkernels.UpstreamBase",
    .tp_basicsize = sizeof(Upstream),
    .tp_dealloc = (destructor)Upstream_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "UpstreamBase(loop_time, busy, hop_by_hop)\n\nThe state and common path of one keep-alive "
              "connection to the upstream.",
    .tp_traverse = (traverseproc)Upstream_traverse,
    .tp_clear = (inquiry)Upstream_clear,
    .tp_methods = Upstream_methods,
    .tp_members = Upstream_members,
    .tp_getset = Upstream_getset,
    .tp_init = (initproc)Upstream_init,
    .tp_new = PyType_GenericNew,
};

/* ---- PoolBase --------------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD PyObject *idle, *busy;
    Py_ssize_t max_idle;
    double idle_seconds;
} Pool;

static PyTypeObject PoolType;

static int Pool_init(Pool *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"max_idle", "idle_seconds", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "nd:PoolBase", keywords, &self->max_idle, &self->idle_seconds)) {
        return -1;
    }
    Py_XSETREF(self->idle, PyList_New(0));
    Py_XSETREF(self->busy, PySet_New(NULL));
    return self->idle == NULL || self->busy == NULL ? -1 : 0;
}

static int not_a_connection(PyObject *object) {
    if (PyObject_TypeCheck(object, &UpstreamType)) return 0;
    PyErr_Format(PyExc_TypeError, "the upstream pool holds a %.100s, not a connection", Py_TYPE(object)->tp_name);
    return 1;
}

/* The most recently used idle connection still worth reusing (a new reference), or None. */
static PyObject *pool_take_idle(Pool *self) {
    PyObject *idle = self->idle;
    Py_ssize_t count = PyList_GET_SIZE(idle);
    if (count == 0) Py_RETURN_NONE;
    PyObject *last = PyList_GET_ITEM(idle, count - 1);
    double now;
    if (not_a_connection(last) || read_clock(((Upstream *)last)->loop_time, &now) < 0) return NULL;
    while ((count = PyList_GET_SIZE(idle)) > 0) {
        PyObject *connection = Py_NewRef(PyList_GET_ITEM(idle, count - 1));
        if (not_a_connection(connection) || PyList_SetSlice(idle, count - 1, count, NULL) < 0) {
            Py_DECREF(connection);
            return NULL;
        }
        Upstream *upstream = (Upstream *)connection;
        if (!upstream->closed && now - upstream->idle_since < self->idle_seconds) {
            upstream->reused = 1;
            return connection;
        }
        int result = done(call_method(connection, str_close));
        Py_DECREF(connection);
        if (result < 0) return NULL;
    }
    Py_RETURN_NONE;
}

static int pool_release(Pool *self, Upstream *connection) {
    if (connection->complete && !connection->closed && connection->keep_alive &&
        PyList_GET_SIZE(self->idle) < self->max_idle) {
        /* a client that read slowly may have left it paused */
        if (connection->paused && done(call_method((PyObject *)connection, str_resume)) < 0) return -1;
        if (read_clock(connection->loop_time, &connection->idle_since) < 0) return -1;
        return PyList_Append(self->idle, (PyObject *)connection);
    }
    return done(call_method((PyObject *)connection, str_close));
}

static PyObject *Pool_take_idle(Pool *self, PyObject *Py_UNUSED(ignored)) {
    return initialized(self->idle) ? pool_take_idle(self) : NULL;
}

static PyObject *Pool_release(Pool *self, PyObject *connection) {
    if (!initialized(self->idle) || not_a_connection(connection) || pool_release(self, (Upstream *)connection) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static int Pool_traverse(Pool *self, visitproc visit, void *arg) {
    Py_VISIT(self->idle);
    Py_VISIT(self->busy);
    return 0;
}

static int Pool_clear(Pool *self) {
    Py_CLEAR(self->idle);
    Py_CLEAR(self->busy);
    return 0;
}

static void Pool_dealloc(Pool *self) {
    PyObject_GC_UnTrack(self);
    Pool_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Pool_methods[] = {
    {"take_idle", (PyCFunction)Pool_take_idle, METH_NOARGS,
     "The most recently used idle connection still worth reusing, if any (no waiting)."},
    {"release", (PyCFunction)Pool_release, METH_O,
     "Back to the pool after a complete exchange; closed when it cannot carry another one."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Pool_members[] = {
    {"_idle", T_OBJECT_EX, offsetof(Pool, idle), READONLY, "idle connections, the most recently used last"},
    {"_busy", T_OBJECT_EX, offsetof(Pool, busy), READONLY, "connections with an exchange under way"},
    {"max_idle", T_PYSSIZET, offsetof(Pool, max_idle), READONLY, NULL},
    {"idle_seconds", T_DOUBLE, offsetof(Pool, idle_seconds), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject PoolType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "modelwatch._httpkernels.PoolBase",
    .tp_basicsize = sizeof(Pool),
    .tp_dealloc = (destructor)Pool_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "PoolBase(max_idle, idle_seconds)\n\nIdle keep-alive connections to the upstream, taken and "
              "given back.",
    .tp_traverse = (traverseproc)Pool_traverse,
    .tp_clear = (inquiry)Pool_clear,
    .tp_methods = Pool_methods,
    .tp_members = Pool_members,
    .tp_init = (initproc)Pool_init,
    .tp_new = PyType_GenericNew,
};

/* ---- ClientBase ------------------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD PyObject *pool; /* a PoolBase */
    PyObject *rules, *base_path, *upstream_host, *loop_time, *should_capture, *clock, *put, *submit, *exchange_type,
        *metric_values, *latency_bounds;
    Py_ssize_t max_body_bytes;
    PyObject *queue; /* requests read but not answered yet (pipelining); the first one is in flight */
    PyObject *transport, *forwarded, *upstream;
    /* a plain response passed on as it comes: the capture prefix of its body so far (a bytearray), its
       content type, and its body's length */
    PyObject *held, *held_type;
    /* a response's bytes not written yet (a list), on either path: empty between responses */
    PyObject *out;
    Py_ssize_t output_size;
    double quiet_since, inference_time, upstream_started;
    int status;
    char parser_idle, closing, gone, reading_paused, capturing, keep_alive, retried, responded;
} Client;

static int Client_init(Client *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"pool",          "rules",         "base_path",      "upstream_host",  "loop_time",
                               "should_capture", "clock",        "put",            "submit",         "exchange_type",
                               "metric_values", "latency_bounds", "max_body_bytes", NULL};
    PyObject *pool, *rules, *base_path, *upstream_host, *loop_time, *should_capture, *clock, *put, *submit,
        *exchange_type, *metric_values, *latency_bounds;
    Py_ssize_t max_body_bytes;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!SSOOOOOOOO!n:ClientBase", keywords, &PoolType, &pool,
                                     &PyTuple_Type, &rules, &base_path, &upstream_host, &loop_time, &should_capture,
                                     &clock, &put, &submit, &exchange_type, &metric_values, &PyTuple_Type,
                                     &latency_bounds, &max_body_bytes)) {
        return -1;
    }
    Py_XSETREF(self->pool, Py_NewRef(pool));
    Py_XSETREF(self->rules, Py_NewRef(rules));
    Py_XSETREF(self->base_path, Py_NewRef(base_path));
    Py_XSETREF(self->upstream_host, Py_NewRef(upstream_host));
    Py_XSETREF(self->loop_time, Py_NewRef(loop_time));
    Py_XSETREF(self->should_capture, Py_NewRef(should_capture));
    Py_XSETREF(self->clock, Py_NewRef(clock));
    Py_XSETREF(self->put, Py_NewRef(put));
    Py_XSETREF(self->submit, Py_NewRef(submit));
    Py_XSETREF(self->exchange_type, Py_NewRef(exchange_type));
    Py_XSETREF(self->metric_values, Py_NewRef(metric_values));
    Py_XSETREF(self->latency_bounds, Py_NewRef(latency_bounds));
    self->max_body_bytes = max_body_bytes;
    Py_XSETREF(self->queue, PyList_New(0));
    Py_XSETREF(self->forwarded, Py_NewRef(empty_bytes));
    Py_XSETREF(self->out, PyList_New(0));
    self->parser_idle = self->keep_alive = 1;
    self->closing = self->gone = self->reading_paused = self->capturing = self->retried = self->responded = 0;
    return self->queue == NULL || self->out == NULL ? -1 : read_clock(loop_time, &self->quiet_since);
}

static int client_send(Client *self, PyObject *upstream, Request *request) {
    if (not_a_connection(upstream)) return -1;
    Py_XSETREF(self->upstream, Py_NewRef(upstream));
    self->upstream_started = monotonic_seconds();
    /* a plain response passes through whole to an HTTP/1.1 client (which it would be framed for) */
    return upstream_send((Upstream *)upstream, request->wire, request->is_head, (PyObject *)self, request->http_11);
}

static int client_forward(Client *self, Request *request) {
    PyObject *sampled = PyObject_CallNoArgs(self->should_capture);
    if (sampled == NULL) return -1;
    int capturing = PyObject_IsTrue(sampled);
    Py_DECREF(sampled);
    if (capturing < 0) return -1;
    self->capturing = (char)capturing;
    if (capturing && read_clock(self->clock, &self->inference_time) < 0) return -1;
    self->retried = self->responded = 0;
    self->keep_alive = request->keep_alive && !self->closing;
    PyObject *upstream = pool_take_idle((Pool *)self->pool);
    if (upstream == NULL) return -1;
    int result = upstream == Py_None ? done(call_method_one((PyObject *)self, str_connect, (PyObject *)request))
                                     : client_send(self, upstream, request);
    Py_DECREF(upstream);
    return result;
}

/* The request in flight is answered: on to what comes next. The common case, a keep-alive connection with
   nothing else to do, is here; closing, a pipelined request or reading again is `_after_answer()`'s. */
static int client_answered(Client *self) {
    if (read_clock(self->loop_time, &self->quiet_since) < 0) return -1;
    if (self->keep_alive && !self->gone && PyList_GET_SIZE(self->queue) == 0 && !self->reading_paused) return 0;
    return done(call_method((PyObject *)self, str_after_answer));
}

/* `body[:limit]`, the same object when it is no longer. */
static PyObject *prefix(PyObject *body, Py_ssize_t start, Py_ssize_t limit) {
    Py_ssize_t size = PyBytes_GET_SIZE(body) - start;
    if (start == 0 && size <= limit) return Py_NewRef(body);
    return PyBytes_FromStringAndSize(PyBytes_AS_STRING(body) + start, size < limit ? size : limit);
}

/* Capture an exchange given by its fields (in Exchange's order): `put`, the writer queue's C call for the common
   record; what it does not take, `submit(Exchange(*fields))`. */
static int capture(Client *self, PyObject *const *fields) {
    PyObject *taken = PyObject_Vectorcall(self->put, fields, 9, NULL);
    if (taken == NULL) return -1;
    int queued = PyObject_IsTrue(taken);
    Py_DECREF(taken);
    if (queued != 0) return queued < 0 ? -1 : 0;
    PyObject *exchange = PyObject_Vectorcall(self->exchange_type, fields, 9, NULL);
    if (exchange == NULL) return -1;
    int result = done(PyObject_CallOneArg(self->submit, exchange));
    Py_DECREF(exchange);
    return result;
}

/* The request in flight (borrowed), or NULL with an exception. */
static Request *in_flight(Client *self) {
    if (PyList_GET_SIZE(self->queue) == 0) {
        PyErr_SetString(PyExc_RuntimeError, "an answer with no request in flight");
        return NULL;
    }
    PyObject *first = PyList_GET_ITEM(self->queue, 0);
    if (PyObject_TypeCheck(first, &RequestType)) return (Request *)first;
    PyErr_SetString(PyExc_TypeError, "the request queue holds a non-request");
    return NULL;
}

/* The capture record of the exchange in flight, when it is sampled (`output_body`: the output's capture
   prefix). Queued before the response's last bytes are written, so that once a client has its whole
   response, the writer's flush() covers its record. */
static int client_capture(Client *self, PyObject *output_content_type, PyObject *output_body,
                          Py_ssize_t output_size) {
    if (!self->capturing) return 0;
    Request *request = in_flight(self);
    if (request == NULL) return -1;
    Py_INCREF(request); /* submit() runs Python code */
    PyObject *args[9] = {
        PyFloat_FromDouble(self->inference_time),
        prefix(request->body, 0, self->max_body_bytes + 1),
        PyLong_FromSsize_t(PyBytes_GET_SIZE(request->body)),
        request->content_type,
        output_body,
        PyLong_FromSsize_t(output_size),
        output_content_type,
        request->inference_id,
        request->custom_attributes,
    };
    int result = args[0] == NULL || args[1] == NULL || args[2] == NULL || args[5] == NULL ? -1 : capture(self, args);
    Py_XDECREF(args[0]);
    Py_XDECREF(args[1]);
    Py_XDECREF(args[2]);
    Py_XDECREF(args[5]);
    Py_DECREF(request);
    return result;
}

/* The response is out (at `finished`): the request leaves the queue, its status and latencies are counted,
   and on to what comes next. */
static int client_exchange_done(Client *self, double finished) {
    Request *request = in_flight(self);
    if (request == NULL) return -1;
    double upstream_seconds = finished - self->upstream_started;
    int result = count_into(self->metric_values, self->latency_bounds, self->status, upstream_seconds,
                            monotonic_seconds() - request->received - upstream_seconds);
    if (result == 0) result = PyList_SetSlice(self->queue, 0, 1, NULL);
    return result < 0 ? -1 : client_answered(self);
}

/* A plain response's bytes as the client gets them: as they came, with `connection: close` added to the head
   when this connection ends with the response (`head_length` then grows by its length). */
static PyObject *as_sent(Client *self, PyObject *data, Py_ssize_t *head_length) {
    if (self->keep_alive) return Py_NewRef(data);
    Py_ssize_t size = PyBytes_GET_SIZE(data), added = (Py_ssize_t)strlen(CONNECTION_CLOSE), at = *head_length - 2;
    PyObject *out = PyBytes_FromStringAndSize(NULL, size + added);
    if (out == NULL) return NULL;
    char *bytes = PyBytes_AS_STRING(out);
    memcpy(bytes, PyBytes_AS_STRING(data), at);
    memcpy(bytes + at, CONNECTION_CLOSE, added);
    memcpy(bytes + at + added, PyBytes_AS_STRING(data) + at, size - at);
    *head_length += added;
    return out;
}

/* `data`: bytes, or a list of them (one system call for all). */
static int client_write(Client *self, PyObject *data) {
    if (!present(self->transport)) return 0;
    return done(call_method_one(self->transport, PyList_CheckExact(data) ? str_writelines : str_write, data));
}

/* The last bytes of the exchange's response (`out`, a reference this takes), after its capture record
   (`captured`: 0, or -1 with an exception): written, the upstream connection (taken from self->upstream
   before the write, so that the write's pause_writing() does not pause it) back to the pool, and the
   exchange done. */
static int client_finish(Client *self, int captured, double finished, PyObject *out) {
    PyObject *upstream = self->upstream;
    self->upstream = NULL;
    int result = captured < 0 ? -1 : client_write(self, out);
    if (result == 0 && present(upstream)) result = pool_release((Pool *)self->pool, (Upstream *)upstream);
    Py_XDECREF(upstream);
    Py_DECREF(out);
    return result < 0 ? -1 : client_exchange_done(self, finished);
}

static int client_response_whole(PyObject *client, PyObject *data, int status, PyObject *content_type,
                                 Py_ssize_t head_length) {
    Client *self = (Client *)client;
    if (!initialized(self->queue)) return -1;
    double finished = monotonic_seconds();
    self->status = status;
    PyObject *out = as_sent(self, data, &head_length);
    if (out == NULL) return -1;
    int result = 0;
    if (self->capturing) {
        PyObject *body = prefix(out, head_length, self->max_body_bytes + 1);
        result = body == NULL ? -1 : client_capture(self, content_type, body, PyBytes_GET_SIZE(out) - head_length);
        Py_XDECREF(body);
    }
    return client_finish(self, result, finished, out);
}

/* Keep what capture keeps of a piece of the response body: up to max_body_bytes + 1 bytes in all. */
static int hold(Client *self, const char *bytes, Py_ssize_t size) {
    if (self->held == NULL) return 0;
    Py_ssize_t held = PyByteArray_GET_SIZE(self->held), room = self->max_body_bytes + 1 - held;
    Py_ssize_t taken = size < room ? size : room;
    if (taken <= 0) return 0;
    if (PyByteArray_Resize(self->held, held + taken) < 0) return -1;
    memcpy(PyByteArray_AS_STRING(self->held) + held, bytes, taken);
    return 0;
}

/* The start of a plain response whose body comes in further reads (client_response_part), with no parsing. A
   body under POSTPONE_BELOW bytes leaves whole with the head and the last part, as nginx postpones small output: a
   server that writes its head and body apart (uvicorn does) would otherwise cost a second write and wake the
   client twice for one answer. A larger one is passed on as it comes, as the httptools path does. */
static int client_response_start(PyObject *client, PyObject *data, const PlainResponse *plain) {
    Client *self = (Client *)client;
    if (!initialized(self->queue)) return -1;
    self->status = plain->status;
    self->responded = 1; /* the status is on its way: a failure from here on cuts the connection */
    Py_CLEAR(self->held);
    Py_CLEAR(self->held_type);
    Py_ssize_t head_length = plain->head_length;
    PyObject *out = as_sent(self, data, &head_length);
    if (out == NULL) return -1;
    int result = 0;
    if (self->capturing) {
        self->held = PyByteArray_FromStringAndSize(NULL, 0);
        self->held_type = Py_NewRef(plain->content_type);
        self->output_size = plain->body_length;
        result = self->held == NULL ? -1 : hold(self, PyBytes_AS_STRING(out) + head_length,
                                               PyBytes_GET_SIZE(out) - head_length);
    }
    if (result == 0) result = plain->body_length < POSTPONE_BELOW ? PyList_Append(self->out, out)
                                                                   : client_write(self, out);
    Py_DECREF(out);
    return result;
}

static int client_response_part(PyObject *client, PyObject *chunk, int last) {
    Client *self = (Client *)client;
    double finished = monotonic_seconds();
    if (hold(self, PyBytes_AS_STRING(chunk), PyBytes_GET_SIZE(chunk)) < 0) return -1;
    int postponed = PyList_GET_SIZE(self->out) > 0; /* the response's start is held (client_response_start) */
    if (postponed && PyList_Append(self->out, chunk) < 0) return -1;
    if (!last) return postponed ? 0 : client_write(self, chunk);
    PyObject *out = Py_NewRef(chunk);
    if (postponed) { /* all of it leaves in one write; the list is empty again for the next response */
        PyObject *empty = PyList_New(0);
        if (empty == NULL) {
            Py_DECREF(out);
            return -1;
        }
        Py_SETREF(out, self->out);
        self->out = empty;
    }
    int result = 0;
    if (self->held != NULL) {
        PyObject *body =
            PyBytes_FromStringAndSize(PyByteArray_AS_STRING(self->held), PyByteArray_GET_SIZE(self->held));
        result = body == NULL ? -1 : client_capture(self, self->held_type, body, self->output_size);
        Py_XDECREF(body);
        Py_CLEAR(self->held);
        Py_CLEAR(self->held_type);
    }
    return client_finish(self, result, finished, out);
}

static PyObject *Client_data_received(Client *self, PyObject *data) {
    if (!initialized(self->queue)) return NULL;
    if (self->parser_idle && PyList_GET_SIZE(self->queue) == 0 && !self->closing && PyBytes_Check(self->forwarded)) {
        PlainRequest plain;
        int found = plain_request_forwarded(data, self->rules, self->base_path, self->upstream_host, self->forwarded,
                                            &plain);
        if (found < 0) return NULL;
        if (found) {
            PyObject *wire = PyList_New(1);
            if (wire == NULL) {
                plain_request_clear(&plain);
                return NULL;
            }
            PyList_SET_ITEM(wire, 0, plain.wire);
            Request *request = request_taking(wire, plain.body, plain.content_type, plain.inference_id,
                                              plain.custom_attributes, 1, 1, 0);
            if (request == NULL) return NULL;
            /* no quiet_since: not idle while a request is in flight */
            int result = PyList_Append(self->queue, (PyObject *)request) < 0 ? -1 : client_forward(self, request);
            Py_DECREF(request);
            if (result < 0) return NULL;
            Py_RETURN_NONE;
        }
    }
    if (read_clock(self->loop_time, &self->quiet_since) < 0) return NULL;
    return call_method_one((PyObject *)self, str_parse, data);
}

static PyObject *Client_forward(Client *self, PyObject *request) {
    if (!initialized(self->queue)) return NULL;
    if (!PyObject_TypeCheck(request, &RequestType)) {
        PyErr_SetString(PyExc_TypeError, "_forward(request): not a Request");
        return NULL;
    }
    if (client_forward(self, (Request *)request) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Client_send(Client *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!initialized(self->queue)) return NULL;
    if (nargs != 2 || !PyObject_TypeCheck(args[1], &RequestType)) {
        PyErr_SetString(PyExc_TypeError, "_send(upstream, request)");
        return NULL;
    }
    if (client_send(self, args[0], (Request *)args[1]) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Client_capture(Client *self, PyObject *const *args, Py_ssize_t nargs) {
    if (!initialized(self->queue)) return NULL;
    if (nargs != 3 || !PyUnicode_Check(args[0]) || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "_capture(output_content_type: str, output_body: bytes, output_size: int)");
        return NULL;
    }
    Py_ssize_t output_size = PyLong_AsSsize_t(args[2]);
    if ((output_size == -1 && PyErr_Occurred()) || client_capture(self, args[0], args[1], output_size) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *Client_exchange_done(Client *self, PyObject *finished) {
    if (!initialized(self->queue)) return NULL;
    double seconds = PyFloat_AsDouble(finished);
    if ((seconds == -1.0 && PyErr_Occurred()) || client_exchange_done(self, seconds) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Client_answered(Client *self, PyObject *Py_UNUSED(ignored)) {
    if (!initialized(self->queue) || client_answered(self) < 0) return NULL;
    Py_RETURN_NONE;
}

#define CLIENT_OBJECTS(apply)                                                                                          \
    apply(pool) apply(rules) apply(base_path) apply(upstream_host) apply(loop_time) apply(should_capture) apply(clock) \
        apply(put) apply(submit) apply(exchange_type) apply(metric_values) apply(latency_bounds) apply(queue) apply(transport)    \
            apply(forwarded) apply(upstream) apply(held) apply(held_type) apply(out)

static int Client_traverse(Client *self, visitproc visit, void *arg) {
#define VISIT(field) Py_VISIT(self->field);
    CLIENT_OBJECTS(VISIT)
#undef VISIT
    return 0;
}

static int Client_clear(Client *self) {
#define CLEAR(field) Py_CLEAR(self->field);
    CLIENT_OBJECTS(CLEAR)
#undef CLEAR
    return 0;
}

static void Client_dealloc(Client *self) {
    PyObject_GC_UnTrack(self);
    Client_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Client_methods[] = {
    {"data_received", (PyCFunction)Client_data_received, METH_O,
     "A plain request whole in one read, with nothing else in flight, is forwarded here; anything else goes to "
     "`_parse(data)`."},
    {"_forward", (PyCFunction)Client_forward, METH_O,
     "Forward the request at the head of the queue: on an idle pooled connection, or `_connect(request)`."},
    {"_send", (PyCFunction)(void (*)(void))Client_send, METH_FASTCALL, "Send the request on `upstream`."},
    {"_capture", (PyCFunction)(void (*)(void))Client_capture, METH_FASTCALL,
     "_capture(output_content_type, output_body, output_size)\n\nThe capture record of the exchange in flight, "
     "when sampled (`output_body`: the output's capture prefix). Called before the response's last bytes "
     "are written: once a client has its whole response, the writer's flush() covers its record."},
    {"_exchange_done", (PyCFunction)Client_exchange_done, METH_O,
     "_exchange_done(finished)\n\nThe response is out (at `finished`, a now() reading): the request leaves "
     "the queue, its status and latencies are counted, and on to what comes next (_answered)."},
    {"_answered", (PyCFunction)Client_answered, METH_NOARGS,
     "The request in flight is answered: close, go on with the next pipelined one, or wait."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Client_members[] = {
    {"pool", T_OBJECT_EX, offsetof(Client, pool), READONLY, NULL},
    {"_queue", T_OBJECT_EX, offsetof(Client, queue), READONLY, NULL},
    {"transport", T_OBJECT, offsetof(Client, transport), 0, NULL},
    {"_upstream", T_OBJECT, offsetof(Client, upstream), 0, "the upstream connection of the exchange in flight"},
    {"quiet_since", T_DOUBLE, offsetof(Client, quiet_since), 0, NULL},
    {"_inference_time", T_DOUBLE, offsetof(Client, inference_time), 0, NULL},
    {"_upstream_started", T_DOUBLE, offsetof(Client, upstream_started), 0, NULL},
    {"_status", T_INT, offsetof(Client, status), 0, NULL},
    {"_parser_idle", T_BOOL, offsetof(Client, parser_idle), 0,
     "httptools holds no part of a request: the fast path may take the next"},
    {"closing", T_BOOL, offsetof(Client, closing), 0, NULL},
    {"gone", T_BOOL, offsetof(Client, gone), 0, NULL},
    {"_reading_paused", T_BOOL, offsetof(Client, reading_paused), 0, NULL},
    {"_capturing", T_BOOL, offsetof(Client, capturing), 0, NULL},
    {"_out", T_OBJECT_EX, offsetof(Client, out), READONLY,
     "a response's bytes not written yet (a list), on either path: the C path holds a small plain response "
     "here until its last part, the httptools path a read's pieces until its end"},
    {"_keep_alive", T_BOOL, offsetof(Client, keep_alive), 0, NULL},
    {"_retried", T_BOOL, offsetof(Client, retried), 0, NULL},
    {"_responded", T_BOOL, offsetof(Client, responded), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyObject *Client_get_forwarded(Client *self, void *Py_UNUSED(closure)) { return Py_NewRef(self->forwarded); }

static int Client_set_forwarded(Client *self, PyObject *value, void *Py_UNUSED(closure)) {
    if (value == NULL || !PyBytes_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "forwarded: bytes");
        return -1;
    }
    Py_SETREF(self->forwarded, Py_NewRef(value));
    return 0;
}

static PyGetSetDef Client_getset[] = {
    {"forwarded", (getter)Client_get_forwarded, (setter)Client_set_forwarded,
     "the X-Forwarded-For and -Proto lines of every request", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ClientType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "modelwatch._httpkernels.ClientBase",
    .tp_basicsize = sizeof(Client),
    .tp_dealloc = (destructor)Client_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "ClientBase(pool, rules, base_path, upstream_host, loop_time, should_capture, clock, put, submit, "
              "exchange_type, metric_values, latency_bounds, max_body_bytes)\n\nThe state and common path of one "
              "client connection of the proxy.",
    .tp_traverse = (traverseproc)Client_traverse,
    .tp_clear = (inquiry)Client_clear,
    .tp_methods = Client_methods,
    .tp_members = Client_members,
    .tp_getset = Client_getset,
    .tp_init = (initproc)Client_init,
    .tp_new = PyType_GenericNew,
};

int add_connection_types(PyObject *module) {
    if (PyModule_AddIntConstant(module, "POSTPONE_BELOW", POSTPONE_BELOW) < 0) return -1;
    static const struct {
        PyObject **name;
        const char *text;
    } names[] = {
        {&str_close, "close"},
        {&str_resume, "resume"},
        {&str_parse, "_parse"},
        {&str_renew_parser, "_renew_parser"},
        {&str_send_failed, "_send_failed"},
        {&str_connect, "_connect"},
        {&str_after_answer, "_after_answer"},
        {&str_write, "write"},
        {&str_writelines, "writelines"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (*names[i].name == NULL && (*names[i].name = PyUnicode_InternFromString(names[i].text)) == NULL) return -1;
    }
    if (empty_bytes == NULL && (empty_bytes = PyBytes_FromStringAndSize(NULL, 0)) == NULL) return -1;
    PyTypeObject *types[] = {&RequestType, &UpstreamType, &PoolType, &ClientType};
    const char *names_in_module[] = {"Request", "UpstreamBase", "PoolBase", "ClientBase"};
    for (int i = 0; i < 4; i++) {
        if (PyType_Ready(types[i]) < 0 || PyModule_AddObjectRef(module, names_in_module[i], (PyObject *)types[i]) < 0) {
            return -1;
        }
    }
    return 0;
}
