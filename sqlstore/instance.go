package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

const instanceColumns = `id, name, description, kafka_version, flavor, broker_count, storage_gb_per_broker,
	disk_type, zones, auto_create_topics, tags, status, status_reason, cluster_id, resource_version,
	created_at, updated_at, deleted_at, parameters, applied_parameters, security_protocol, sasl_mechanisms,
	kafka_user, public_access, mutual_tls, custom_certificate, project, deletion_protection,
	capacity_policy, production_stopped, capacity_event, storage_expansions, upgrade_from, metadata_level`

func (t *tx) Instance(idOrName string) (*streamplane.Instance, error) {
	rows, err := t.query(`SELECT `+instanceColumns+` FROM instances WHERE id = ?`, idOrName)
	if err != nil {
		return nil, err
	}
	list, err := t.scanInstances(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		rows, err := t.query(`SELECT `+instanceColumns+` FROM instances WHERE name = ? AND status <> 'DELETED'`, idOrName)
		if err != nil {
			return nil, err
		}
		if list, err = t.scanInstances(rows); err != nil {
			return nil, err
		}
	}
	if len(list) == 0 {
		return nil, streamplane.Errorf(streamplane.ENOTFOUND, "instance %q not found", idOrName)
	}
	if err := t.attachBrokers(list); err != nil {
		return nil, err
	}
	return list[0], nil
}

func (t *tx) InstanceIDs() ([]string, error) {
	rows, err := t.query(`SELECT id FROM instances WHERE status <> 'DELETED' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (t *tx) Instances(f streamplane.InstanceFilter) ([]*streamplane.Instance, int, error) {
	where, args := []string{"1=1"}, []any{}
	if f.ID != "" {
		where, args = append(where, "id = ?"), append(args, f.ID)
	}
	if len(f.Status) > 0 {
		marks := make([]string, len(f.Status))
		for i, s := range f.Status {
			marks[i], args = "?", append(args, string(s))
		}
		where = append(where, "status IN ("+strings.Join(marks, ",")+")")
	} else if !f.IncludeDeleted {
		where = append(where, "status <> 'DELETED'")
	}
	if f.Name != "" {
		where, args = append(where, t.d.Strpos+"(lower(name), lower(?)) > 0"), append(args, f.Name)
	}
	if f.Projects != nil {
		cond, more := inList("project", f.Projects)
		where, args = append(where, cond), append(args, more...)
	}
	cond := strings.Join(where, " AND ")
	order := ` ORDER BY created_at DESC, id`

	// Tags and addresses are matched in Go; without them, page in SQL.
	if len(f.Tags) == 0 && f.Address == "" {
		var total int
		if err := t.queryRow(`SELECT COUNT(*) FROM instances WHERE `+cond, args...).Scan(&total); err != nil {
			return nil, 0, err
		}
		q := `SELECT ` + instanceColumns + ` FROM instances WHERE ` + cond + order
		if f.Limit > 0 {
			q += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, f.Offset)
		}
		rows, err := t.query(q, args...)
		if err != nil {
			return nil, 0, err
		}
		list, err := t.scanInstances(rows)
		if err != nil {
			return nil, 0, err
		}
		return list, total, t.attachBrokers(list)
	}
	rows, err := t.query(`SELECT `+instanceColumns+` FROM instances WHERE `+cond+order, args...)
	if err != nil {
		return nil, 0, err
	}
	all, err := t.scanInstances(rows)
	if err != nil {
		return nil, 0, err
	}
	if err := t.attachBrokers(all); err != nil {
		return nil, 0, err
	}
	var matched []*streamplane.Instance
	for _, inst := range all {
		if f.Matches(inst) {
			matched = append(matched, inst)
		}
	}
	return page(matched, f.Offset, f.Limit), len(matched), nil
}

// inList is the condition "column is one of values"; no values match
// nothing.
func inList(column string, values []string) (string, []any) {
	if len(values) == 0 {
		return "0 = 1", nil
	}
	marks, args := make([]string, len(values)), make([]any, len(values))
	for i, v := range values {
		marks[i], args[i] = "?", v
	}
	return column + " IN (" + strings.Join(marks, ",") + ")", args
}

func page[T any](list []T, offset, limit int) []T {
	if offset >= len(list) {
		return nil
	}
	list = list[offset:]
	if limit > 0 && limit < len(list) {
		list = list[:limit]
	}
	return list
}

func (t *tx) CreateInstance(inst *streamplane.Instance) error {
	inst.ResourceVersion = 1
	inst.CreatedAt, inst.UpdatedAt = t.now, t.now
	inst.Project = project(inst.Project)
	zones, tags := mustJSON(inst.Zones), mustJSON(orEmpty(inst.Tags))
	_, err := t.tryExec(`INSERT INTO instances (`+instanceColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		inst.ID, inst.Name, inst.Description, inst.Version, inst.Flavor, inst.BrokerCount, inst.StorageGBPerBroker,
		inst.DiskType, zones, inst.AutoCreateTopics, tags, string(inst.Status), inst.StatusReason, inst.ClusterID,
		inst.ResourceVersion, nanos(inst.CreatedAt), nanos(inst.UpdatedAt), nullNanos(inst.DeletedAt),
		mustJSON(orEmpty(inst.Parameters)), mustJSON(orEmpty(inst.AppliedParameters)), protocol(inst), mustJSON(orNone(inst.SASLMechanisms)),
		inst.KafkaUser, inst.PublicAccess, inst.MutualTLS, inst.CustomCertificate, inst.Project, inst.DeletionProtection,
		capacityPolicy(inst), inst.ProductionStopped, inst.CapacityEvent, inst.StorageExpansions, inst.UpgradeFrom, inst.MetadataLevel)
	if t.d.IsUniqueViolation(err) {
		return streamplane.Errorf(streamplane.ECONFLICT, "an instance named %q already exists", inst.Name)
	} else if err != nil {
		return fmt.Errorf("store: insert instance: %w", err)
	}
	if err := t.saveBrokers(inst); err != nil {
		return err
	}
	inst.Finish()
	return nil
}

func (t *tx) UpdateInstance(inst *streamplane.Instance) error {
	inst.Project = project(inst.Project)
	res, err := t.tryExec(`UPDATE instances SET name = ?, description = ?, kafka_version = ?, flavor = ?, broker_count = ?,
		storage_gb_per_broker = ?, disk_type = ?, zones = ?, auto_create_topics = ?, tags = ?, status = ?, status_reason = ?,
		cluster_id = ?, resource_version = resource_version + 1, updated_at = ?, deleted_at = ?, parameters = ?,
		applied_parameters = ?, security_protocol = ?, sasl_mechanisms = ?, kafka_user = ?, public_access = ?, mutual_tls = ?,
		custom_certificate = ?, project = ?, deletion_protection = ?,
		capacity_policy = ?, production_stopped = ?, capacity_event = ?, storage_expansions = ?, upgrade_from = ?, metadata_level = ? WHERE id = ? AND resource_version = ?`,
		inst.Name, inst.Description, inst.Version, inst.Flavor, inst.BrokerCount, inst.StorageGBPerBroker, inst.DiskType,
		mustJSON(inst.Zones), inst.AutoCreateTopics, mustJSON(orEmpty(inst.Tags)), string(inst.Status), inst.StatusReason,
		inst.ClusterID, nanos(t.now), nullNanos(inst.DeletedAt), mustJSON(orEmpty(inst.Parameters)),
		mustJSON(orEmpty(inst.AppliedParameters)), protocol(inst), mustJSON(orNone(inst.SASLMechanisms)), inst.KafkaUser,
		inst.PublicAccess, inst.MutualTLS, inst.CustomCertificate, inst.Project, inst.DeletionProtection,
		capacityPolicy(inst), inst.ProductionStopped, inst.CapacityEvent, inst.StorageExpansions, inst.UpgradeFrom, inst.MetadataLevel, inst.ID, inst.ResourceVersion)
	if t.d.IsUniqueViolation(err) {
		return streamplane.Errorf(streamplane.ECONFLICT, "an instance named %q already exists", inst.Name)
	} else if err != nil {
		return fmt.Errorf("store: update instance: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var current int64
		err := t.queryRow(`SELECT resource_version FROM instances WHERE id = ?`, inst.ID).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return streamplane.Errorf(streamplane.ENOTFOUND, "instance %q not found", inst.ID)
		}
		return &streamplane.Error{Code: streamplane.ESTALE, Field: "resource_version",
			Message: fmt.Sprintf("instance %s is at resource version %d, not %d; read it again and retry", inst.Name, current, inst.ResourceVersion)}
	}
	inst.ResourceVersion++
	inst.UpdatedAt = t.now
	if err := t.saveBrokers(inst); err != nil {
		return err
	}
	inst.Finish()
	return nil
}

func (t *tx) SaveObserved(inst *streamplane.Instance) error {
	if _, err := t.exec(`UPDATE instances SET status = ?, status_reason = ? WHERE id = ?`,
		string(inst.Status), inst.StatusReason, inst.ID); err != nil {
		return fmt.Errorf("store: save observed: %w", err)
	}
	if err := t.saveBrokers(inst); err != nil {
		return err
	}
	inst.Finish()
	return nil
}

func (t *tx) PurgeInstance(id string) error {
	for _, q := range []string{
		`DELETE FROM task_events WHERE task_id IN (SELECT id FROM tasks WHERE instance_id = ?)`,
		`DELETE FROM tasks WHERE instance_id = ?`,
		`DELETE FROM brokers WHERE instance_id = ?`,
		`DELETE FROM kafka_users WHERE instance_id = ?`,
		`DELETE FROM secrets WHERE owner IN (SELECT id FROM migrations WHERE instance_id = ?)`,
		`DELETE FROM migrations WHERE instance_id = ?`,
		`DELETE FROM port_reservations WHERE owner = ?`,
		`DELETE FROM secrets WHERE owner = ?`,
		`DELETE FROM alarm_states WHERE rule_id IN (SELECT id FROM alarm_rules WHERE instance_id = ?)`,
		`DELETE FROM alarm_rules WHERE instance_id = ?`,
		`DELETE FROM alarms WHERE instance_id = ?`,
		`DELETE FROM metric_chunks WHERE series_id IN (SELECT id FROM metric_series WHERE instance_id = ?)`,
		`DELETE FROM metric_series WHERE instance_id = ?`,
		`DELETE FROM instances WHERE id = ?`,
	} {
		if _, err := t.exec(q, id); err != nil {
			return fmt.Errorf("store: purge instance: %w", err)
		}
	}
	return nil
}

// saveBrokers replaces the instance's broker rows.
func (t *tx) saveBrokers(inst *streamplane.Instance) error {
	if _, err := t.exec(`DELETE FROM brokers WHERE instance_id = ?`, inst.ID); err != nil {
		return fmt.Errorf("store: save brokers: %w", err)
	}
	for _, b := range inst.Brokers {
		_, err := t.exec(`INSERT INTO brokers (instance_id, node_id, roles, state, error, rack, host, ports, endpoints,
			pid, started_at, restarts, used_bytes, advertised, kafka_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			inst.ID, b.ID, mustJSON(b.Roles), string(b.State), b.Error, b.Rack, b.Host, mustJSON(orEmpty(b.Ports)),
			mustJSON(orEmpty(b.Endpoints)), b.PID, nullNanos(b.StartedAt), b.Restarts, b.UsedBytes, mustJSON(orEmpty(b.Advertised)), b.Version)
		if err != nil {
			return fmt.Errorf("store: save broker %d: %w", b.ID, err)
		}
	}
	return nil
}

func (t *tx) scanInstances(rows *sql.Rows) ([]*streamplane.Instance, error) {
	defer rows.Close()
	var list []*streamplane.Instance
	for rows.Next() {
		var (
			inst                streamplane.Instance
			zones, tags, status string
			params, applied     string
			mechanisms          string
			created, updated    int64
			deleted             sql.NullInt64
		)
		if err := rows.Scan(&inst.ID, &inst.Name, &inst.Description, &inst.Version, &inst.Flavor, &inst.BrokerCount,
			&inst.StorageGBPerBroker, &inst.DiskType, &zones, &inst.AutoCreateTopics, &tags, &status, &inst.StatusReason,
			&inst.ClusterID, &inst.ResourceVersion, &created, &updated, &deleted, &params, &applied,
			&inst.SecurityProtocol, &mechanisms, &inst.KafkaUser, &inst.PublicAccess, &inst.MutualTLS, &inst.CustomCertificate,
			&inst.Project, &inst.DeletionProtection,
			&inst.CapacityPolicy, &inst.ProductionStopped, &inst.CapacityEvent, &inst.StorageExpansions, &inst.UpgradeFrom, &inst.MetadataLevel); err != nil {
			return nil, fmt.Errorf("store: scan instance: %w", err)
		}
		inst.Status = streamplane.InstanceStatus(status)
		inst.CreatedAt, inst.UpdatedAt, inst.DeletedAt = fromNanos(created), fromNanos(updated), fromNullNanos(deleted)
		if err := unmarshalAll(zones, &inst.Zones, tags, &inst.Tags, params, &inst.Parameters, applied, &inst.AppliedParameters,
			mechanisms, &inst.SASLMechanisms); err != nil {
			return nil, err
		}
		list = append(list, &inst)
	}
	return list, rows.Err()
}

// attachBrokers loads the brokers of the listed instances in one query.
func (t *tx) attachBrokers(list []*streamplane.Instance) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[string]*streamplane.Instance, len(list))
	marks, args := make([]string, 0, len(list)), make([]any, 0, len(list))
	for _, inst := range list {
		byID[inst.ID] = inst
		marks, args = append(marks, "?"), append(args, inst.ID)
	}
	rows, err := t.query(`SELECT instance_id, node_id, roles, state, error, rack, host, ports, endpoints, pid, started_at,
		restarts, used_bytes, advertised, kafka_version FROM brokers WHERE instance_id IN (`+strings.Join(marks, ",")+`) ORDER BY instance_id, node_id`, args...)
	if err != nil {
		return fmt.Errorf("store: load brokers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			b                           streamplane.Broker
			instID, roles, state, ports string
			endpoints, advertised       string
			started                     sql.NullInt64
		)
		if err := rows.Scan(&instID, &b.ID, &roles, &state, &b.Error, &b.Rack, &b.Host, &ports, &endpoints, &b.PID,
			&started, &b.Restarts, &b.UsedBytes, &advertised, &b.Version); err != nil {
			return fmt.Errorf("store: scan broker: %w", err)
		}
		b.State, b.StartedAt = streamplane.BrokerState(state), fromNullNanos(started)
		if err := unmarshalAll(roles, &b.Roles, ports, &b.Ports, endpoints, &b.Endpoints, advertised, &b.Advertised); err != nil {
			return err
		}
		if inst := byID[instID]; inst != nil {
			inst.Brokers = append(inst.Brokers, b)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, inst := range list {
		inst.Finish()
	}
	return nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: marshal %T: %v", v, err)) // only plain maps and slices reach here
	}
	return string(b)
}

// unmarshalAll decodes pairs of (json text, destination).
func unmarshalAll(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := json.Unmarshal([]byte(pairs[i].(string)), pairs[i+1]); err != nil {
			return fmt.Errorf("store: decode column: %w", err)
		}
	}
	return nil
}

func orNone[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// project is the project an instance or account belongs to, DefaultProject
// if unset.
func project(p string) string {
	if p == "" {
		return streamplane.DefaultProject
	}
	return p
}

// protocol is the instance's security protocol, PLAINTEXT if unset.
func protocol(inst *streamplane.Instance) string {
	if inst.SecurityProtocol == "" {
		return streamplane.ProtocolPlaintext
	}
	return inst.SecurityProtocol
}

func orEmpty[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}

// capacityPolicy is the instance's policy, DMS's default when unset.
func capacityPolicy(inst *streamplane.Instance) string {
	if inst.CapacityPolicy == "" {
		return streamplane.CapacityPolicies[0]
	}
	return inst.CapacityPolicy
}
