// Package audit writes and checks the audit trail (SPEC §5, DMS ch. 16).
//
// The API describes each request as a pending entry carried in its context
// (who, from where, which action on which resource, a summary without
// secrets). The code that commits the change writes the entry in the same
// transaction: identity changes append it at once; a change that runs as a
// task carries it in the task and appends it in the transaction that
// records the task's end, with the outcome. Whatever no transaction wrote —
// a refused or failed request — the API appends when it answers.
package audit
