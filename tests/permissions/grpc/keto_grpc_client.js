// Every call of Keto's gRPC API once, through Ory's npm client @ory/keto-grpc-client.
//
//   node keto_grpc_client.js <package dir> <read host:port> <write host:port> <opl host:port>
//
// Run by tests/permissions/grpc/test_npm_client.py, which asserts the JSON this
// prints on stdout: the script only makes the calls and reports the answers.
'use strict'

const path = require('path')

const [pkg, readAddr, writeAddr, oplAddr] = process.argv.slice(2)
const base = path.join(pkg, 'node_modules', '@ory', 'keto-grpc-client')
const v2 = path.join(base, 'ory', 'keto', 'relation_tuples', 'v1alpha2')
// the stubs' own grpc-js, so the channel credentials are of the same class
const grpc = require(require.resolve('@grpc/grpc-js', { paths: [base] }))
const keto = require(base)
const rts = keto.relationTuples
const version = require(path.join(v2, 'version_pb.js'))
const versionService = require(path.join(v2, 'version_grpc_pb.js'))
const namespaces = require(path.join(v2, 'namespaces_service_pb.js'))
const namespacesService = require(path.join(v2, 'namespaces_service_grpc_pb.js'))
const opl = path.join(base, 'ory', 'keto', 'opl', 'v1alpha1')
const syntax = require(path.join(opl, 'syntax_service_pb.js'))
const syntaxService = require(path.join(opl, 'syntax_service_grpc_pb.js'))

const insecure = grpc.credentials.createInsecure()

function call(client, method, request) {
  return new Promise((resolve) => {
    client[method](request, (err, reply) => resolve(err ? { err } : { reply }))
  })
}

function subjectId(id) {
  const s = new rts.Subject()
  s.setId(id)
  return s
}

function subjectSet(namespace, object, relation) {
  const set = new rts.SubjectSet()
  set.setNamespace(namespace)
  set.setObject(object)
  set.setRelation(relation)
  const s = new rts.Subject()
  s.setSet(set)
  return s
}

function tuple(namespace, object, relation, subject) {
  const t = new rts.RelationTuple()
  t.setNamespace(namespace)
  t.setObject(object)
  t.setRelation(relation)
  t.setSubject(subject)
  return t
}

function query(namespace, object) {
  const q = new rts.RelationQuery()
  q.setNamespace(namespace)
  if (object) q.setObject(object)
  return q
}

function subjectJson(s) {
  if (!s) return null
  if (s.getRefCase() === rts.Subject.RefCase.SET) {
    const set = s.getSet()
    return { namespace: set.getNamespace(), object: set.getObject(), relation: set.getRelation() }
  }
  return s.getId()
}

function tupleJson(t) {
  return {
    namespace: t.getNamespace(),
    object: t.getObject(),
    relation: t.getRelation(),
    subject: subjectJson(t.getSubject()),
  }
}

function treeJson(tree) {
  if (!tree) return null
  return {
    type: tree.getNodeType(),
    tuple: tree.getTuple() ? tupleJson(tree.getTuple()) : null,
    children: tree.getChildrenList().map(treeJson),
  }
}

function error(err) {
  return { code: err.code, message: err.details }
}

async function main() {
  const out = {}
  const write = new keto.writeService.WriteServiceClient(writeAddr, insecure)
  const read = new keto.readService.ReadServiceClient(readAddr, insecure)
  const check = new keto.checkService.CheckServiceClient(readAddr, insecure)
  const expand = new keto.expandService.ExpandServiceClient(readAddr, insecure)
  const names = new namespacesService.NamespacesServiceClient(readAddr, insecure)
  const versions = new versionService.VersionServiceClient(readAddr, insecure)
  const syntaxCheck = new syntaxService.SyntaxServiceClient(oplAddr, insecure)

  const transact = new keto.write.TransactRelationTuplesRequest()
  const inner = tuple('Group', 'npm-inner', 'members', subjectId('alice'))
  const outer = tuple('Group', 'npm-outer', 'members', subjectSet('Group', 'npm-inner', 'members'))
  for (const t of [inner, outer]) {
    const delta = new keto.write.RelationTupleDelta()
    delta.setAction(keto.write.RelationTupleDelta.Action.ACTION_INSERT)
    delta.setRelationTuple(t)
    transact.addRelationTupleDeltas(delta)
  }
  let r = await call(write, 'transactRelationTuples', transact)
  out.transact = r.err ? error(r.err) : { snaptokens: r.reply.getSnaptokensList() }

  const list = new keto.read.ListRelationTuplesRequest()
  list.setRelationQuery(query('Group', 'npm-outer'))
  r = await call(read, 'listRelationTuples', list)
  out.list = r.err
    ? error(r.err)
    : { tuples: r.reply.getRelationTuplesList().map(tupleJson), next: r.reply.getNextPageToken() }

  const asks = {
    allowed: tuple('Group', 'npm-outer', 'members', subjectId('alice')),
    denied: tuple('Group', 'npm-outer', 'members', subjectId('bob')),
    unknown_namespace: tuple('Nope', 'x', 'members', subjectId('alice')),
  }
  out.check = {}
  for (const [name, t] of Object.entries(asks)) {
    const req = new keto.check.CheckRequest()
    req.setTuple(t)
    r = await call(check, 'check', req)
    out.check[name] = r.err ? error(r.err) : { allowed: r.reply.getAllowed() }
  }
  const fresh = new keto.check.CheckRequest()
  fresh.setTuple(asks.allowed)
  fresh.setSnaptoken((out.transact.snaptokens || [''])[0])
  r = await call(check, 'check', fresh)
  out.check.with_snaptoken = r.err ? error(r.err) : { allowed: r.reply.getAllowed() }

  const ex = new keto.expand.ExpandRequest()
  ex.setSubject(subjectSet('Group', 'npm-outer', 'members'))
  ex.setMaxDepth(5)
  r = await call(expand, 'expand', ex)
  out.expand = r.err ? error(r.err) : treeJson(r.reply.getTree())

  r = await call(names, 'listNamespaces', new namespaces.ListNamespacesRequest())
  out.namespaces = r.err ? error(r.err) : r.reply.getNamespacesList().map((n) => n.getName())

  r = await call(versions, 'getVersion', new version.GetVersionRequest())
  out.version = r.err ? error(r.err) : r.reply.getVersion()

  out.syntax = {}
  const sources = { good: 'class User implements Namespace {}', bad: 'class User implements {' }
  for (const [name, source] of Object.entries(sources)) {
    const req = new syntax.CheckRequest()
    req.setContent(Buffer.from(source))
    r = await call(syntaxCheck, 'check', req)
    out.syntax[name] = r.err
      ? error(r.err)
      : r.reply.getParseErrorsList().map((e) => ({ message: e.getMessage(), line: e.getStart().getLine() }))
  }

  const del = new keto.write.DeleteRelationTuplesRequest()
  del.setRelationQuery(query('Group', 'npm-outer'))
  r = await call(write, 'deleteRelationTuples', del)
  out.delete = r.err ? error(r.err) : {}
  const after = new keto.read.ListRelationTuplesRequest()
  after.setRelationQuery(query('Group'))
  r = await call(read, 'listRelationTuples', after)
  out.after_delete = r.err ? error(r.err) : r.reply.getRelationTuplesList().map(tupleJson)

  for (const c of [write, read, check, expand, names, versions, syntaxCheck]) c.close()
  process.stdout.write(JSON.stringify(out))
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e))
  process.exit(1)
})
