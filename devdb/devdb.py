#!/usr/bin/python3
"""devdb: the development MongoDB server of cgiauth.

No MongoDB server is packaged for Debian, so development and the test suites
talk to this one: python3-mockupdb speaks the wire protocol (OP_MSG, and
OP_QUERY for the first handshake), and python3-mongomock gives the query,
update and index semantics.  Every command document goes to one handler that
maps it onto mongomock under one lock and answers in the real server's reply
shapes (cursor.firstBatch with cursor id 0, writeErrors with code 11000,
value and lastErrorObject for findAndModify).  Data lives in memory only;
mongomock drops documents past a TTL index when their collection is next
read, not in the background.  It is not a MongoDB: it serves what
cgiauth uses, and anything else gets {ok: 0, code: 59}.

    /usr/bin/python3 devdb/devdb.py --port N [--host 127.0.0.1]
        [--ready-file PATH]

--port 0 picks a free port; --ready-file receives the bound port once the
server accepts connections.  SIGTERM or SIGINT stops it.
"""

import argparse
import datetime
import os
import signal
import sys
import threading

import mockupdb
import mongomock
import mongomock.collection
import mongomock.filtering
from bson.dbref import DBRef
from bson.int64 import Int64
from bson.objectid import ObjectId
from collections import OrderedDict
from pymongo.errors import DuplicateKeyError, PyMongoError

# The wire versions we claim: 13 is MongoDB 5.0.  libmongoc 1.23 needs at
# least 6 for OP_MSG and refuses servers above its own maximum (17).
MIN_WIRE_VERSION = 0
MAX_WIRE_VERSION = 13
# Limits we announce in hello, the real server's defaults.
MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024
MAX_MESSAGE_SIZE_BYTES = 48000000
MAX_WRITE_BATCH_SIZE = 100000
LOGICAL_SESSION_TIMEOUT_MINUTES = 30
# Seconds a stop may take before the process leaves anyway.
STOP_TIMEOUT = 3.0

# MongoDB error codes (src/mongo/base/error_codes.yml of the server).
E_BAD_VALUE = 2
E_FAILED_TO_PARSE = 9
E_NAMESPACE_NOT_FOUND = 26
E_CURSOR_NOT_FOUND = 43
E_COMMAND_NOT_FOUND = 59
E_INVALID_NAMESPACE = 73
E_DUPLICATE_KEY = 11000

CODE_NAMES = {
    E_BAD_VALUE: 'BadValue',
    E_FAILED_TO_PARSE: 'FailedToParse',
    E_NAMESPACE_NOT_FOUND: 'NamespaceNotFound',
    E_CURSOR_NOT_FOUND: 'CursorNotFound',
    E_COMMAND_NOT_FOUND: 'CommandNotFound',
    E_INVALID_NAMESPACE: 'InvalidNamespace',
    E_DUPLICATE_KEY: 'DuplicateKey',
}

# The identifiers of OP_MSG document sequences; they are arguments, never
# the command name.
SEQUENCE_IDS = ('documents', 'updates', 'deletes')


def log(event, outcome, detail):
    """One line on stderr, shaped like cgiauth's own log lines."""
    now = datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ')
    detail = detail.replace('\\', '\\\\').replace('"', '\\"')
    detail = ''.join(c if c >= ' ' else '\\x%02x' % ord(c) for c in detail)
    sys.stderr.write('%s devdb event=%s outcome=%s detail="%s"\n' %
                     (now, event, outcome, detail))
    sys.stderr.flush()


def patch_mongomock():
    """Two fixes to mongomock's semantics, applied once at start.

    A stored DBRef is a subdocument {$ref, $id} to a real server, so a dotted
    path such as "accounts.$id" must look inside it; mongomock only looks
    inside dicts.  And $inc keeps an int64 an int64 on a real server, where
    Python's int addition would let it shrink to int32 on the wire.
    """
    candidates = mongomock.filtering.iter_key_candidates

    def iter_key_candidates(key, doc):
        if isinstance(doc, DBRef):
            doc = doc.as_doc()
        return candidates(key, doc)

    sublist = mongomock.filtering._iter_key_candidates_sublist

    def iter_key_candidates_sublist(key, doc):
        return sublist(key, [d.as_doc() if isinstance(d, DBRef) else d
                             for d in doc])

    mongomock.filtering.iter_key_candidates = iter_key_candidates
    mongomock.filtering._iter_key_candidates_sublist = \
        iter_key_candidates_sublist

    inc = mongomock.collection._updaters['$inc']

    def inc_updater(doc, field_name, value):
        old = None
        if isinstance(doc, dict):
            old = doc.get(field_name)
        inc(doc, field_name, value)
        if (isinstance(doc, dict) and
                (isinstance(old, Int64) or isinstance(value, Int64)) and
                type(doc.get(field_name)) is int):
            doc[field_name] = Int64(doc[field_name])

    mongomock.collection._updaters['$inc'] = inc_updater


class CommandError(Exception):
    """A command fails as a whole: {ok: 0, errmsg, code}."""

    def __init__(self, code, errmsg):
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg


def error_doc(code, errmsg):
    return OrderedDict([('ok', 0.0), ('errmsg', errmsg), ('code', code),
                        ('codeName', CODE_NAMES.get(code, 'UnknownError'))])


def id_first(doc):
    """A copy of doc with _id as its first field, as the server keeps it."""
    if doc is None or '_id' not in doc:
        return doc
    out = OrderedDict([('_id', doc['_id'])])
    for k, v in doc.items():
        if k != '_id':
            out[k] = v
    return out


def sort_list(spec):
    """{a: 1, b: -1} as mongomock's [('a', 1), ('b', -1)], or None."""
    if not spec:
        return None
    out = []
    for k, v in spec.items():
        if isinstance(v, (int, float)) and v in (1, -1):
            out.append((k, int(v)))
        else:
            raise CommandError(E_BAD_VALUE,
                               'devdb: sort %s: %r not supported' % (k, v))
    return out


def is_operator_update(u):
    return bool(u) and all(k.startswith('$') for k in u)


def write_error(index, exc, ns):
    """The writeErrors entry for exception exc on document index."""
    if isinstance(exc, DuplicateKeyError):
        code = E_DUPLICATE_KEY
        msg = 'E11000 duplicate key error collection: %s' % ns
    else:
        code = getattr(exc, 'code', None) or E_BAD_VALUE
        msg = str(exc)
    return OrderedDict([('index', index), ('code', code), ('errmsg', msg)])


def cursor_reply(ns, docs):
    cur = OrderedDict([('firstBatch', [id_first(d) for d in docs]),
                       ('id', Int64(0)), ('ns', ns)])
    return OrderedDict([('cursor', cur)])


class DevDB(object):
    """The command handler: mockupdb request in, reply document out."""

    def __init__(self):
        self.client = mongomock.MongoClient()
        self.lock = threading.Lock()
        self.connection_id = 0
        self.commands = {
            'hello': self.cmd_hello,
            'isMaster': self.cmd_hello,
            'ismaster': self.cmd_hello,
            'ping': self.cmd_ok,
            'endSessions': self.cmd_ok,
            'getLastError': self.cmd_ok,
            'buildInfo': self.cmd_build_info,
            'buildinfo': self.cmd_build_info,
            'listDatabases': self.cmd_list_databases,
            'create': self.cmd_create,
            'listCollections': self.cmd_list_collections,
            'createIndexes': self.cmd_create_indexes,
            'listIndexes': self.cmd_list_indexes,
            'dropIndexes': self.cmd_drop_indexes,
            'insert': self.cmd_insert,
            'find': self.cmd_find,
            'update': self.cmd_update,
            'delete': self.cmd_delete,
            'findAndModify': self.cmd_find_and_modify,
            'findandmodify': self.cmd_find_and_modify,
            'count': self.cmd_count,
            'distinct': self.cmd_distinct,
            'aggregate': self.cmd_aggregate,
            'getMore': self.cmd_get_more,
            'killCursors': self.cmd_kill_cursors,
            'drop': self.cmd_drop,
            'dropDatabase': self.cmd_drop_database,
        }

    # The mockupdb responder.

    def handle(self, request):
        """Answer one request; never raises, so a connection never dies."""
        try:
            if not request.is_command:
                self.reply(request, OrderedDict([
                    ('$err', 'devdb: legacy opcode not supported'),
                    ('code', E_COMMAND_NOT_FOUND)]))
                return True
            doc = request.doc
            if '$query' in doc:
                doc = doc['$query']
            name = next((k for k in doc if k not in SEQUENCE_IDS), None)
            db = request.namespace or doc.get('$db') or 'admin'
            fn = self.commands.get(name)
            if fn is None:
                out = error_doc(E_COMMAND_NOT_FOUND,
                                'devdb: command %s not supported' % name)
            else:
                try:
                    with self.lock:
                        out = fn(db, name, doc)
                    out['ok'] = 1.0
                except CommandError as e:
                    out = error_doc(e.code, e.errmsg)
                except DuplicateKeyError:
                    out = error_doc(E_DUPLICATE_KEY,
                                    'E11000 duplicate key error collection: '
                                    '%s.%s' % (db, doc.get(name)))
                except (PyMongoError, ValueError, TypeError, KeyError,
                        NotImplementedError) as e:
                    out = error_doc(getattr(e, 'code', None) or E_BAD_VALUE,
                                    'devdb: %s: %s' % (name, e))
            self.reply(request, out)
        except Exception as e:  # the last line of defence
            log('command', 'fail', 'internal error: %r' % (e,))
            try:
                self.reply(request, error_doc(E_BAD_VALUE,
                                              'devdb: internal error'))
            except Exception:
                pass
        return True

    def reply(self, request, out):
        flags = request.flags or 0
        if (isinstance(request, mockupdb.OpMsg) and
                flags & mockupdb.OP_MSG_FLAGS['moreToCome']):
            return  # an unacknowledged write gets no answer
        try:
            request.replies(out)
        except OSError:
            pass  # the client hung up; nothing to tell it

    # Helpers.

    def coll(self, db, doc, name):
        cname = doc.get(name)
        if not isinstance(cname, str) or not cname or '$' in cname:
            raise CommandError(E_INVALID_NAMESPACE,
                               'devdb: %s needs a collection name' % name)
        return self.client[db][cname]

    def exists(self, db, cname):
        return cname in self.client[db].list_collection_names()

    # Handshake and server information.

    def cmd_hello(self, db, name, doc):
        self.connection_id += 1
        out = OrderedDict()
        if name == 'hello':
            out['isWritablePrimary'] = True
        else:
            out['ismaster'] = True
            out['isWritablePrimary'] = True
        out['helloOk'] = True
        out['maxBsonObjectSize'] = MAX_BSON_OBJECT_SIZE
        out['maxMessageSizeBytes'] = MAX_MESSAGE_SIZE_BYTES
        out['maxWriteBatchSize'] = MAX_WRITE_BATCH_SIZE
        out['localTime'] = datetime.datetime.utcnow()
        out['logicalSessionTimeoutMinutes'] = LOGICAL_SESSION_TIMEOUT_MINUTES
        out['connectionId'] = self.connection_id
        out['minWireVersion'] = MIN_WIRE_VERSION
        out['maxWireVersion'] = MAX_WIRE_VERSION
        out['readOnly'] = False
        return out

    def cmd_ok(self, db, name, doc):
        return OrderedDict()

    def cmd_build_info(self, db, name, doc):
        return OrderedDict([('version', '5.0.0'),
                            ('versionArray', [5, 0, 0, 0]),
                            ('gitVersion', 'devdb'),
                            ('maxBsonObjectSize', MAX_BSON_OBJECT_SIZE)])

    def cmd_list_databases(self, db, name, doc):
        dbs = [OrderedDict([('name', n), ('sizeOnDisk', 0),
                            ('empty', False)])
               for n in self.client.list_database_names()]
        return OrderedDict([('databases', dbs), ('totalSize', 0)])

    # Collections and indexes.

    def cmd_create(self, db, name, doc):
        c = self.coll(db, doc, name)
        if self.exists(db, c.name):
            raise CommandError(48, 'Collection already exists. NS: %s' %
                               c.full_name)
        self.client[db].create_collection(c.name)
        return OrderedDict()

    def cmd_list_collections(self, db, name, doc):
        filt = doc.get('filter') or {}
        names = sorted(self.client[db].list_collection_names())
        out = []
        for n in names:
            entry = OrderedDict([('name', n), ('type', 'collection'),
                                 ('options', OrderedDict()),
                                 ('info', OrderedDict([('readOnly', False)]))])
            if mongomock.filtering.filter_applies(filt, entry):
                out.append(entry)
        return cursor_reply('%s.$cmd.listCollections' % db, out)

    def cmd_create_indexes(self, db, name, doc):
        c = self.coll(db, doc, name)
        created = not self.exists(db, c.name)
        if created:
            self.client[db].create_collection(c.name)
        before = len(c.index_information())
        for spec in doc.get('indexes') or []:
            keys = []
            for k, v in (spec.get('key') or {}).items():
                if isinstance(v, float) and v in (1.0, -1.0):
                    v = int(v)
                keys.append((k, v))
            if not keys:
                raise CommandError(E_BAD_VALUE, 'devdb: index needs a key')
            kwargs = {}
            for opt in ('name', 'unique', 'sparse', 'expireAfterSeconds',
                        'partialFilterExpression'):
                if opt in spec:
                    kwargs[opt] = spec[opt]
            c.create_index(keys, **kwargs)
        after = len(c.index_information())
        return OrderedDict([('createdCollectionAutomatically', created),
                            ('numIndexesBefore', before),
                            ('numIndexesAfter', after)])

    def cmd_list_indexes(self, db, name, doc):
        c = self.coll(db, doc, name)
        if not self.exists(db, c.name):
            raise CommandError(E_NAMESPACE_NOT_FOUND,
                               'ns does not exist: %s' % c.full_name)
        out = []
        for iname, info in c.index_information().items():
            entry = OrderedDict([('v', info.get('v', 2)),
                                 ('key', OrderedDict(info['key'])),
                                 ('name', iname)])
            for k, v in info.items():
                if k not in ('v', 'key'):
                    entry[k] = v
            out.append(entry)
        return cursor_reply(c.full_name, out)

    def cmd_drop_indexes(self, db, name, doc):
        c = self.coll(db, doc, name)
        before = len(c.index_information())
        which = doc.get('index')
        if which == '*':
            c.drop_indexes()
        elif isinstance(which, str):
            c.drop_index(which)
        else:
            c.drop_index(list((doc.get('index') or {}).items()))
        return OrderedDict([('nIndexesWas', before)])

    def cmd_drop(self, db, name, doc):
        c = self.coll(db, doc, name)
        before = len(c.index_information()) if self.exists(db, c.name) else 0
        self.client[db].drop_collection(c.name)
        return OrderedDict([('nIndexesWas', before), ('ns', c.full_name)])

    def cmd_drop_database(self, db, name, doc):
        self.client.drop_database(db)
        return OrderedDict([('dropped', db)])

    # Reads.

    def cmd_find(self, db, name, doc):
        c = self.coll(db, doc, name)
        proj = doc.get('projection') or None
        skip = int(doc.get('skip') or 0)
        limit = abs(int(doc.get('limit') or 0))
        if skip < 0:
            raise CommandError(E_BAD_VALUE, 'skip must be non-negative')
        cur = c.find(doc.get('filter') or {}, projection=proj,
                     sort=sort_list(doc.get('sort')), skip=skip, limit=limit)
        return cursor_reply(c.full_name, list(cur))

    def cmd_count(self, db, name, doc):
        c = self.coll(db, doc, name)
        skip = int(doc.get('skip') or 0)
        limit = abs(int(doc.get('limit') or 0))
        n = len(list(c.find(doc.get('query') or {}, skip=skip, limit=limit)))
        return OrderedDict([('n', n)])

    def cmd_distinct(self, db, name, doc):
        c = self.coll(db, doc, name)
        values = c.distinct(doc.get('key'), doc.get('query') or None)
        return OrderedDict([('values', values)])

    def cmd_aggregate(self, db, name, doc):
        if not isinstance(doc.get(name), str):
            raise CommandError(E_COMMAND_NOT_FOUND,
                               'devdb: database aggregate not supported')
        c = self.coll(db, doc, name)
        out = list(c.aggregate(list(doc.get('pipeline') or [])))
        return cursor_reply(c.full_name, out)

    def cmd_get_more(self, db, name, doc):
        raise CommandError(E_CURSOR_NOT_FOUND,
                           'cursor id %s not found' % doc.get(name))

    def cmd_kill_cursors(self, db, name, doc):
        ids = list(doc.get('cursors') or [])
        return OrderedDict([('cursorsKilled', []), ('cursorsNotFound', ids),
                            ('cursorsAlive', []), ('cursorsUnknown', [])])

    # Writes.

    def cmd_insert(self, db, name, doc):
        c = self.coll(db, doc, name)
        ordered = doc.get('ordered', True)
        n = 0
        errors = []
        for i, d in enumerate(doc.get('documents') or []):
            if '_id' not in d:
                d = OrderedDict([('_id', ObjectId())] + list(d.items()))
            try:
                c.insert_one(id_first(d))
                n += 1
            except (PyMongoError, ValueError, TypeError) as e:
                errors.append(write_error(i, e, c.full_name))
                if ordered:
                    break
        out = OrderedDict([('n', n)])
        if errors:
            out['writeErrors'] = errors
        return out

    def update_one_statement(self, c, u):
        """Apply one update statement; returns (matched, modified, id)."""
        q = u.get('q') or {}
        upd = u.get('u')
        multi = bool(u.get('multi', False))
        upsert = bool(u.get('upsert', False))
        if isinstance(upd, list):
            raise CommandError(E_BAD_VALUE,
                               'devdb: pipeline updates not supported')
        if not isinstance(upd, dict):
            raise CommandError(E_FAILED_TO_PARSE, 'update needs u')
        af = u.get('arrayFilters')
        if is_operator_update(upd):
            if multi:
                r = c.update_many(q, upd, upsert=upsert, array_filters=af)
            else:
                r = c.update_one(q, upd, upsert=upsert, array_filters=af)
        else:
            if multi:
                raise CommandError(E_FAILED_TO_PARSE, 'multi update is not '
                                   'supported for replacement-style update')
            r = c.replace_one(q, upd, upsert=upsert)
        return r.matched_count, r.modified_count, r.upserted_id

    def cmd_update(self, db, name, doc):
        c = self.coll(db, doc, name)
        ordered = doc.get('ordered', True)
        n = 0
        modified = 0
        upserted = []
        errors = []
        for i, u in enumerate(doc.get('updates') or []):
            try:
                matched, mod, uid = self.update_one_statement(c, u)
            except CommandError as e:
                errors.append(OrderedDict([('index', i), ('code', e.code),
                                           ('errmsg', e.errmsg)]))
                if ordered:
                    break
                continue
            except (PyMongoError, ValueError, TypeError) as e:
                errors.append(write_error(i, e, c.full_name))
                if ordered:
                    break
                continue
            n += matched
            modified += mod
            if uid is not None:
                n += 1
                upserted.append(OrderedDict([('index', i), ('_id', uid)]))
        out = OrderedDict([('n', n), ('nModified', modified)])
        if upserted:
            out['upserted'] = upserted
        if errors:
            out['writeErrors'] = errors
        return out

    def cmd_delete(self, db, name, doc):
        c = self.coll(db, doc, name)
        ordered = doc.get('ordered', True)
        n = 0
        errors = []
        for i, d in enumerate(doc.get('deletes') or []):
            q = d.get('q') or {}
            try:
                if int(d.get('limit', 0)) == 1:
                    n += c.delete_one(q).deleted_count
                else:
                    n += c.delete_many(q).deleted_count
            except (PyMongoError, ValueError, TypeError) as e:
                errors.append(write_error(i, e, c.full_name))
                if ordered:
                    break
        out = OrderedDict([('n', n)])
        if errors:
            out['writeErrors'] = errors
        return out

    def cmd_find_and_modify(self, db, name, doc):
        c = self.coll(db, doc, name)
        query = doc.get('query') or {}
        sort = sort_list(doc.get('sort'))
        fields = doc.get('fields') or None
        remove = bool(doc.get('remove', False))
        update = doc.get('update')
        new = bool(doc.get('new', False))
        upsert = bool(doc.get('upsert', False))
        if remove and (update is not None or new or upsert):
            raise CommandError(E_FAILED_TO_PARSE, 'remove cannot be combined '
                               'with update, new or upsert')
        if not remove and update is None:
            raise CommandError(E_FAILED_TO_PARSE, 'Either an update or '
                               'remove=true must be specified')
        if isinstance(update, list):
            raise CommandError(E_BAD_VALUE,
                               'devdb: pipeline updates not supported')
        old = c.find_one(query, sort=sort)
        leo = OrderedDict()
        value = None
        if old is not None:
            oid = {'_id': old['_id']}
            before = c.find_one(oid, projection=fields)
            if remove:
                c.delete_one(oid)
                value = before
                leo['n'] = 1
            else:
                self.update_one_statement(c, {'q': oid, 'u': update})
                value = c.find_one(oid, projection=fields) if new else before
                leo['n'] = 1
                leo['updatedExisting'] = True
        elif remove:
            leo['n'] = 0
        elif upsert:
            _, _, uid = self.update_one_statement(
                c, {'q': query, 'u': update, 'upsert': True})
            leo['n'] = 1
            leo['updatedExisting'] = False
            leo['upserted'] = uid
            if new:
                value = c.find_one({'_id': uid}, projection=fields)
        else:
            leo['n'] = 0
            leo['updatedExisting'] = False
        return OrderedDict([('lastErrorObject', leo),
                            ('value', id_first(value))])


def write_ready_file(path, port):
    tmp = '%s.%d.tmp' % (path, os.getpid())
    with open(tmp, 'w') as f:
        f.write('%d\n' % port)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description='cgiauth development MongoDB')
    ap.add_argument('--port', type=int, required=True,
                    help='TCP port; 0 picks a free one')
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--ready-file', help='written with the port once ready')
    args = ap.parse_args()
    if not 0 <= args.port <= 65535:
        ap.error('--port must be 0..65535')

    patch_mongomock()
    devdb = DevDB()
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server = mockupdb.MockupDB(port=args.port, request_timeout=int(1e6))
    server._address = (args.host, args.port)  # mockupdb binds "localhost"
    server.autoresponds(devdb.handle)
    try:
        port = server.run()
    except OSError as e:
        log('start', 'fail', 'cannot listen on %s:%d: %s' %
            (args.host, args.port, e.strerror or e))
        return 1
    if args.ready_file:
        write_ready_file(args.ready_file, port)
    log('start', 'ok', 'listening on %s:%d pid %d (mockupdb %s, mongomock '
        '%s, wire %d-%d)' % (args.host, port, os.getpid(),
                             mockupdb.__version__, mongomock.__version__,
                             MIN_WIRE_VERSION, MAX_WIRE_VERSION))
    while not stop.wait(0.5):
        pass

    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(STOP_TIMEOUT)
    log('stop', 'ok', 'stopped on signal')
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == '__main__':
    sys.exit(main())
