// Package wire holds the bodies of the REST API that are not domain data:
// request bodies that only carry arguments, pages of lists, the 202 answer
// with its task, per-item results of batch operations and the error
// envelope. The API handlers write them and the client reads them, so the
// two cannot disagree; the domain data inside them (instances, tasks,
// topics ...) stays in the root package. api's drift test checks every one
// against openapi.json.
//
// wire imports only the root package: the client, which every tool links,
// must not pull in the server.
package wire
