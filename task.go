package streamplane

import (
	"encoding/json"
	"time"
)

// TaskStatus is the state of a background task (DMS 7.10).
type TaskStatus string

const (
	TaskPending   TaskStatus = "PENDING"
	TaskRunning   TaskStatus = "RUNNING"
	TaskSucceeded TaskStatus = "SUCCEEDED"
	TaskFailed    TaskStatus = "FAILED"
)

// TaskStatuses lists every status, for validation of filters.
var TaskStatuses = []TaskStatus{TaskPending, TaskRunning, TaskSucceeded, TaskFailed}

// Done reports whether the task has finished, well or not.
func (s TaskStatus) Done() bool { return s == TaskSucceeded || s == TaskFailed }

// Task kinds.
const (
	TaskCreateInstance  = "create_instance"
	TaskDeleteInstance  = "delete_instance"
	TaskRestartInstance = "restart_instance"
	TaskChangeFlavor    = "change_flavor"
	TaskScaleInstance   = "scale_instance"
	TaskInstallRuntime  = "install_runtime"

	// Version upgrade (issue 9): the roll onto new jars, and raising
	// metadata.version once every broker runs them.
	TaskUpgradeInstance = "upgrade_instance"
	TaskFinalizeUpgrade = "finalize_upgrade"

	TaskSetPublicAccess      = "set_public_access"
	TaskSetAdvertisedAddress = "set_advertised_address"
	TaskSetMutualTLS         = "set_mutual_tls"
	TaskReplaceCertificate   = "replace_certificate"

	// Done at once, recorded as a finished task.
	TaskIssueClientCertificate = "issue_client_certificate"

	// Changes inside an instance: durable tasks that the request runs at
	// once and waits for, briefly.
	TaskCreateUser         = "create_user"
	TaskResetUserPassword  = "reset_user_password"
	TaskDeleteUser         = "delete_user"
	TaskResetKafkaPassword = "reset_kafka_password"
	TaskGrantTopic         = "grant_topic"
	TaskRevokeTopic        = "revoke_topic"
	TaskCreateQuota        = "create_quota"
	TaskUpdateQuota        = "update_quota"
	TaskDeleteQuota        = "delete_quota"
	TaskCreateTopic        = "create_topic"
	TaskUpdateTopic        = "update_topic"
	TaskDeleteTopics       = "delete_topics"
	TaskResetOffsets       = "reset_offsets"
	TaskDeleteGroups       = "delete_groups"
	TaskSetParameters      = "set_parameters"
	TaskResetParameters    = "reset_parameters"
	TaskElectLeaders       = "elect_leaders"
	TaskReassign           = "reassign_partitions"

	// Storage (capacity.go): an expansion the user asks for, and the
	// events the capacity watcher starts on its own.
	TaskExpandStorage = "expand_storage"
	TaskCapacityEvent = "capacity_event"

	// Migrations (migration.go): each change of a migration task holds
	// the instance while MirrorMaker is reconfigured.
	TaskCreateMigration = "create_migration"
	TaskUpdateMigration = "update_migration"
	TaskPauseMigration  = "pause_migration"
	TaskResumeMigration = "resume_migration"
	TaskDeleteMigration = "delete_migration"
)

// StepStatus is the state of one step of a task.
type StepStatus string

const (
	StepPending StepStatus = "PENDING"
	StepRunning StepStatus = "RUNNING"
	StepDone    StepStatus = "DONE"
	StepFailed  StepStatus = "FAILED"
)

// TaskStep is one ordered, idempotent step of a task.
type TaskStep struct {
	Name       string     `json:"name"`
	Status     StepStatus `json:"status"`
	Detail     string     `json:"detail,omitempty"` // what the step is doing now, or did
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Task is a durable background operation. A worker runs its steps in order
// and saves progress after each, so a server killed at any point finishes the
// task after it restarts.
type Task struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	InstanceID string     `json:"instance_id,omitempty"`
	Target     string     `json:"target"` // what the task acts on, for people: an instance name or a version
	Status     TaskStatus `json:"status"`
	Steps      []TaskStep `json:"steps"`
	Current    int        `json:"current_step"` // index of the step to run next
	Progress   int        `json:"progress"`     // percent of steps done
	Error      string     `json:"error,omitempty"`
	Result     string     `json:"result,omitempty"`

	// Params are the task's inputs; State is what its steps saved for later
	// steps or for a resumed run. Both are JSON objects owned by the workflow.
	Params json.RawMessage `json:"params,omitempty"`
	State  json.RawMessage `json:"-"`

	// RequestedBy is the account whose request made the task ("" for the
	// server's own tasks); Audit the request's audit entry, written when
	// the task ends (package audit).
	RequestedBy string          `json:"requested_by,omitempty"`
	Audit       json.RawMessage `json:"-"`

	// Lease: which server runs the task and until when, so a second server
	// sharing the store leaves it alone. LeaseToken grows with every claim;
	// the store refuses a write of the task that names an older one, so a
	// server that lost the task cannot overwrite the new holder's progress.
	LeaseOwner string     `json:"-"`
	LeaseUntil *time.Time `json:"-"`
	LeaseToken int64      `json:"-"`

	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// NewTask returns a pending task with the named steps.
func NewTask(id, kind, instanceID, target string, params any, steps ...string) (*Task, error) {
	raw, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	t := &Task{ID: id, Kind: kind, InstanceID: instanceID, Target: target, Status: TaskPending, Params: raw, State: json.RawMessage("{}")}
	for _, s := range steps {
		t.Steps = append(t.Steps, TaskStep{Name: s, Status: StepPending})
	}
	return t, nil
}

// UpdateProgress recomputes the percentage from the finished steps.
func (t *Task) UpdateProgress() {
	if len(t.Steps) == 0 {
		t.Progress = 100
		return
	}
	done := 0
	for _, s := range t.Steps {
		if s.Status == StepDone {
			done++
		}
	}
	t.Progress = done * 100 / len(t.Steps)
}

// TaskFilter selects tasks in a list.
type TaskFilter struct {
	InstanceID string
	Kind       string
	Status     []TaskStatus
	From, To   *time.Time // on created_at
	// Projects limits the list to tasks of these projects' instances and
	// tasks of no instance; nil means every task.
	Projects      []string
	Offset, Limit int
}

// TaskDetail is a task with its log, as one task is shown.
type TaskDetail struct {
	Task
	Events []TaskEvent `json:"events"`
}

// TaskEvent is a line in a task's log: what was done and why, such as the
// reason for each broker restart.
type TaskEvent struct {
	TaskID  string    `json:"task_id"`
	At      time.Time `json:"at"`
	Message string    `json:"message"`
}
