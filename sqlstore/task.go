package sqlstore

import (
	"database/sql"
	"fmt"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

const taskColumns = `id, kind, instance_id, target, status, steps, current_step, progress, error, result, params, state,
	lease_owner, lease_until, lease_token, created_at, started_at, finished_at, updated_at, requested_by, audit`

func (t *tx) CreateTask(task *streamplane.Task) error {
	task.CreatedAt, task.UpdatedAt = t.now, t.now
	task.UpdateProgress()
	_, err := t.tryExec(`INSERT INTO tasks (`+taskColumns+`, active) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		task.ID, task.Kind, nullString(task.InstanceID), task.Target, string(task.Status), mustJSON(task.Steps),
		task.Current, task.Progress, task.Error, task.Result, string(orJSON(task.Params)), string(orJSON(task.State)),
		task.LeaseOwner, nullNanos(task.LeaseUntil), task.LeaseToken, nanos(task.CreatedAt), nullNanos(task.StartedAt),
		nullNanos(task.FinishedAt), nanos(task.UpdatedAt), task.RequestedBy, string(task.Audit), active(task.Status))
	if t.d.IsUniqueViolation(err) && task.InstanceID != "" {
		holder, herr := t.ActiveTask(task.InstanceID)
		if herr != nil || holder == nil {
			return streamplane.Errorf(streamplane.EBUSY, "another task holds the instance")
		}
		return &streamplane.Error{Code: streamplane.EBUSY, TaskID: holder.ID,
			Message: fmt.Sprintf("task %s (%s, %s) holds the instance; wait for it to finish", holder.ID, holder.Kind, holder.Status)}
	} else if err != nil {
		return fmt.Errorf("store: insert task: %w", err)
	}
	return nil
}

func (t *tx) Task(id string) (*streamplane.Task, error) {
	rows, err := t.query(`SELECT `+taskColumns+` FROM tasks WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	list, err := scanTasks(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, streamplane.Errorf(streamplane.ENOTFOUND, "task %q not found", id)
	}
	return list[0], nil
}

func (t *tx) Tasks(f streamplane.TaskFilter) ([]*streamplane.Task, int, error) {
	where, args := []string{"1=1"}, []any{}
	if f.InstanceID != "" {
		where, args = append(where, "instance_id = ?"), append(args, f.InstanceID)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if len(f.Status) > 0 {
		marks := make([]string, len(f.Status))
		for i, s := range f.Status {
			marks[i], args = "?", append(args, string(s))
		}
		where = append(where, "status IN ("+strings.Join(marks, ",")+")")
	}
	if f.Projects != nil {
		// Tasks of the projects' instances, and the server's own tasks
		// that belong to no instance (runtime installs).
		cond, more := inList("project", f.Projects)
		where = append(where, "(instance_id IS NULL OR instance_id IN (SELECT id FROM instances WHERE "+cond+"))")
		args = append(args, more...)
	}
	if f.From != nil {
		where, args = append(where, "created_at >= ?"), append(args, nanos(*f.From))
	}
	if f.To != nil {
		where, args = append(where, "created_at <= ?"), append(args, nanos(*f.To))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := t.queryRow(`SELECT COUNT(*) FROM tasks WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	q := `SELECT ` + taskColumns + ` FROM tasks WHERE ` + cond + ` ORDER BY created_at DESC, id`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, f.Offset)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	list, err := scanTasks(rows)
	return list, total, err
}

func (t *tx) ActiveTask(instanceID string) (*streamplane.Task, error) {
	rows, err := t.query(`SELECT `+taskColumns+` FROM tasks WHERE instance_id = ? AND active = 1`, instanceID)
	if err != nil {
		return nil, err
	}
	list, err := scanTasks(rows)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

func (t *tx) UpdateTask(task *streamplane.Task) error {
	return t.saveTask(task, task.LeaseToken)
}

func (t *tx) ClaimTask(task *streamplane.Task) error {
	held := task.LeaseToken
	task.LeaseToken++
	if err := t.saveTask(task, held); err != nil {
		task.LeaseToken = held
		return err
	}
	return nil
}

// saveTask writes task if the stored lease token is still held: the write
// of a server that lost the task to another is refused (fencing).
func (t *tx) saveTask(task *streamplane.Task, held int64) error {
	updatedAt := task.UpdatedAt
	task.UpdatedAt = t.now
	task.UpdateProgress()
	res, err := t.exec(`UPDATE tasks SET status = ?, active = ?, steps = ?, current_step = ?, progress = ?, error = ?,
		result = ?, state = ?, lease_owner = ?, lease_until = ?, lease_token = ?, started_at = ?, finished_at = ?, updated_at = ?, audit = ?
		WHERE id = ? AND lease_token = ?`,
		string(task.Status), active(task.Status), mustJSON(task.Steps), task.Current, task.Progress, task.Error, task.Result,
		string(orJSON(task.State)), task.LeaseOwner, nullNanos(task.LeaseUntil), task.LeaseToken, nullNanos(task.StartedAt),
		nullNanos(task.FinishedAt), nanos(task.UpdatedAt), string(task.Audit), task.ID, held)
	if err != nil {
		task.UpdatedAt = updatedAt
		return fmt.Errorf("store: update task: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		task.UpdatedAt = updatedAt
		stored, err := t.Task(task.ID)
		if err != nil {
			return err
		}
		return streamplane.Errorf(streamplane.ESTALE, "task %s was claimed by %s since (lease token %d, this write holds %d)",
			task.ID, orNobody(stored.LeaseOwner), stored.LeaseToken, held)
	}
	return nil
}

func orNobody(owner string) string {
	if owner == "" {
		return "another server"
	}
	return owner
}

func (t *tx) DeleteTask(id string) error {
	task, err := t.Task(id)
	if err != nil {
		return err
	}
	if !task.Status.Done() {
		return streamplane.Errorf(streamplane.ESTATE, "task %s is %s; only finished tasks can be deleted", id, task.Status)
	}
	if _, err := t.exec(`DELETE FROM task_events WHERE task_id = ?`, id); err != nil {
		return err
	}
	_, err = t.exec(`DELETE FROM tasks WHERE id = ?`, id)
	return err
}

func (t *tx) RunnableTasks(owner string, limit int) ([]*streamplane.Task, error) {
	rows, err := t.query(`SELECT `+taskColumns+` FROM tasks WHERE active = 1
		AND (lease_owner = '' OR lease_owner = ? OR lease_until IS NULL OR lease_until < ?)
		ORDER BY created_at, id LIMIT ?`, owner, nanos(t.now), limit)
	if err != nil {
		return nil, err
	}
	return scanTasks(rows)
}

func (t *tx) AddTaskEvent(ev streamplane.TaskEvent) error {
	if ev.At.IsZero() {
		ev.At = t.now
	}
	_, err := t.exec(`INSERT INTO task_events (task_id, at, message) VALUES (?, ?, ?)`, ev.TaskID, nanos(ev.At), ev.Message)
	return err
}

func (t *tx) TaskEvents(taskID string) ([]streamplane.TaskEvent, error) {
	rows, err := t.query(`SELECT at, message FROM task_events WHERE task_id = ? ORDER BY id`, taskID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []streamplane.TaskEvent
	for rows.Next() {
		var at int64
		ev := streamplane.TaskEvent{TaskID: taskID}
		if err := rows.Scan(&at, &ev.Message); err != nil {
			return nil, err
		}
		ev.At = fromNanos(at)
		out = append(out, ev)
	}
	return out, rows.Err()
}

func scanTasks(rows *sql.Rows) ([]*streamplane.Task, error) {
	defer rows.Close()
	var list []*streamplane.Task
	for rows.Next() {
		var (
			task                          streamplane.Task
			instanceID                    sql.NullString
			status, steps, params, state  string
			auditEntry                    string
			leaseUntil, started, finished sql.NullInt64
			created, updated              int64
		)
		if err := rows.Scan(&task.ID, &task.Kind, &instanceID, &task.Target, &status, &steps, &task.Current,
			&task.Progress, &task.Error, &task.Result, &params, &state, &task.LeaseOwner, &leaseUntil, &task.LeaseToken, &created,
			&started, &finished, &updated, &task.RequestedBy, &auditEntry); err != nil {
			return nil, fmt.Errorf("store: scan task: %w", err)
		}
		task.InstanceID, task.Status = instanceID.String, streamplane.TaskStatus(status)
		task.Params, task.State = []byte(params), []byte(state)
		if auditEntry != "" {
			task.Audit = []byte(auditEntry)
		}
		task.LeaseUntil, task.StartedAt, task.FinishedAt = fromNullNanos(leaseUntil), fromNullNanos(started), fromNullNanos(finished)
		task.CreatedAt, task.UpdatedAt = fromNanos(created), fromNanos(updated)
		if err := unmarshalAll(steps, &task.Steps); err != nil {
			return nil, err
		}
		list = append(list, &task)
	}
	return list, rows.Err()
}

func active(s streamplane.TaskStatus) int {
	if s.Done() {
		return 0
	}
	return 1
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func orJSON(b []byte) []byte {
	if len(b) == 0 {
		return []byte("{}")
	}
	return b
}
