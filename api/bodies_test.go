package api_test

import (
	"encoding/json"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// routeBodies are the Go types of a route's JSON bodies: the request's (nil:
// none) and the answer's by status. A nil answer type is a status that
// answers without a JSON body (204, CSV, files, logs). Error answers are
// wire.ErrorEnvelope, always, and need no entry.
type routeBodies struct {
	request   any
	responses map[int]any
}

// bodies maps every route ("METHOD pattern") to its bodies. The drift test
// checks each against openapi.json, and fails for a route missing here.
var bodies = map[string]routeBodies{
	"GET /api/v1/openapi.json":                                                                       {nil, map[int]any{200: json.RawMessage{}}},
	"GET /api/v1/flavors":                                                                            {nil, map[int]any{200: wire.FlavorList{}}},
	"GET /api/v1/zones":                                                                              {nil, map[int]any{200: wire.ZoneList{}}},
	"GET /api/v1/runtimes":                                                                           {nil, map[int]any{200: wire.RuntimeList{}}},
	"POST /api/v1/runtimes/{version}/install":                                                        {nil, map[int]any{202: wire.TaskAccepted{}}},
	"GET /api/v1/instances":                                                                          {nil, map[int]any{200: wire.InstanceList{}}},
	"POST /api/v1/instances":                                                                         {streamplane.InstanceSpec{}, map[int]any{202: wire.InstanceCreated{}}},
	"POST /api/v1/instances/clear-failed":                                                            {nil, map[int]any{200: wire.InstancesCleared{}}},
	"GET /api/v1/instances/{instance}":                                                               {nil, map[int]any{200: streamplane.Instance{}}},
	"PATCH /api/v1/instances/{instance}":                                                             {streamplane.InstanceUpdate{}, map[int]any{200: streamplane.Instance{}}},
	"DELETE /api/v1/instances/{instance}":                                                            {nil, map[int]any{202: wire.TaskAccepted{}}},
	"POST /api/v1/instances/{instance}/restart":                                                      {wire.RestartRequest{}, map[int]any{202: wire.TaskAccepted{}}},
	"POST /api/v1/instances/{instance}/change-flavor":                                                {streamplane.FlavorChangeRequest{}, map[int]any{202: wire.TaskAccepted{}}},
	"POST /api/v1/instances/{instance}/upgrade":                                                      {streamplane.UpgradeRequest{}, map[int]any{202: wire.TaskAccepted{}}},
	"POST /api/v1/instances/{instance}/finalize-upgrade":                                             {nil, map[int]any{202: wire.TaskAccepted{}}},
	"POST /api/v1/instances/{instance}/rollback-upgrade":                                             {nil, map[int]any{202: wire.TaskAccepted{}}},
	"GET /api/v1/instances/{instance}/tasks":                                                         {nil, map[int]any{200: wire.TaskList{}}},
	"GET /api/v1/instances/{instance}/brokers/{broker}/log":                                          {nil, map[int]any{200: nil}},
	"GET /api/v1/tasks":                                                                              {nil, map[int]any{200: wire.TaskList{}}},
	"GET /api/v1/tasks/{task}":                                                                       {nil, map[int]any{200: streamplane.TaskDetail{}}},
	"DELETE /api/v1/tasks/{task}":                                                                    {nil, map[int]any{204: nil}},
	"GET /api/v1/instances/{instance}/topics":                                                        {nil, map[int]any{200: streamplane.TopicList{}}},
	"POST /api/v1/instances/{instance}/topics":                                                       {streamplane.TopicSpec{}, map[int]any{202: wire.TaskAccepted{}, 201: streamplane.TopicDetail{}}},
	"POST /api/v1/instances/{instance}/topics/delete":                                                {wire.TopicDeleteRequest{}, map[int]any{202: wire.TaskAccepted{}, 200: wire.TopicDeleteResults{}}},
	"GET /api/v1/instances/{instance}/topics/{topic}":                                                {nil, map[int]any{200: streamplane.TopicDetail{}}},
	"PATCH /api/v1/instances/{instance}/topics/{topic}":                                              {streamplane.TopicUpdate{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.TopicDetail{}}},
	"DELETE /api/v1/instances/{instance}/topics/{topic}":                                             {nil, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.TopicDeletion{}}},
	"GET /api/v1/instances/{instance}/topics/{topic}/sample-code":                                    {nil, map[int]any{200: streamplane.SampleCode{}}},
	"GET /api/v1/instances/{instance}/disk-usage":                                                    {nil, map[int]any{200: streamplane.DiskUsage{}}},
	"POST /api/v1/instances/{instance}/reassignments":                                                {streamplane.ReassignRequest{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.ReassignPlan{}}},
	"GET /api/v1/instances/{instance}/reassignments":                                                 {nil, map[int]any{200: streamplane.ReassignStatus{}}},
	"DELETE /api/v1/instances/{instance}/reassignments":                                              {nil, map[int]any{200: streamplane.ReassignStatus{}}},
	"POST /api/v1/instances/{instance}/elect-leaders":                                                {streamplane.LeaderElectionRequest{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.LeaderElection{}}},
	"GET /api/v1/instances/{instance}/groups":                                                        {nil, map[int]any{200: wire.GroupList{}}},
	"POST /api/v1/instances/{instance}/groups/delete":                                                {wire.GroupDeleteRequest{}, map[int]any{202: wire.TaskAccepted{}, 200: wire.GroupDeleteResults{}}},
	"GET /api/v1/instances/{instance}/groups/{group}":                                                {nil, map[int]any{200: streamplane.GroupDetail{}}},
	"DELETE /api/v1/instances/{instance}/groups/{group}":                                             {nil, map[int]any{202: wire.TaskAccepted{}, 204: nil}},
	"POST /api/v1/instances/{instance}/groups/{group}/reset-offsets":                                 {streamplane.OffsetResetRequest{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.OffsetReset{}}},
	"GET /api/v1/instances/{instance}/topics/{topic}/messages":                                       {nil, map[int]any{200: streamplane.MessagePage{}}},
	"POST /api/v1/instances/{instance}/topics/{topic}/messages":                                      {streamplane.MessageSend{}, map[int]any{200: streamplane.MessageSent{}}},
	"GET /api/v1/instances/{instance}/topics/{topic}/partitions/{partition}/messages/{offset}":       {nil, map[int]any{200: streamplane.Message{}}},
	"GET /api/v1/instances/{instance}/topics/{topic}/partitions/{partition}/messages/{offset}/value": {nil, map[int]any{200: nil, 204: nil}},
	"GET /api/v1/instances/{instance}/parameters":                                                    {nil, map[int]any{200: streamplane.ParameterList{}}},
	"PATCH /api/v1/instances/{instance}/parameters":                                                  {wire.ParameterValues{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.ParameterChange{}}},
	"POST /api/v1/instances/{instance}/parameters/reset":                                             {wire.ParameterNames{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.ParameterChange{}}},
	"GET /api/v1/instances/{instance}/certificate":                                                   {nil, map[int]any{200: nil}},
	"PUT /api/v1/instances/{instance}/certificate":                                                   {streamplane.CertificateUpload{}, map[int]any{202: wire.TaskAccepted{}}},
	"POST /api/v1/instances/{instance}/client-certificates":                                          {wire.ClientCertificateRequest{}, map[int]any{200: nil}},
	"PUT /api/v1/instances/{instance}/public-access":                                                 {wire.Toggle{}, map[int]any{202: wire.TaskAccepted{}}},
	"PUT /api/v1/instances/{instance}/mutual-tls":                                                    {wire.Toggle{}, map[int]any{202: wire.TaskAccepted{}}},
	"GET /api/v1/instances/{instance}/users":                                                         {nil, map[int]any{200: streamplane.KafkaUserList{}}},
	"POST /api/v1/instances/{instance}/users":                                                        {wire.UserCreateRequest{}, map[int]any{202: wire.TaskAccepted{}, 201: streamplane.KafkaUserInfo{}}},
	"GET /api/v1/instances/{instance}/users/{user}":                                                  {nil, map[int]any{200: streamplane.KafkaUserInfo{}}},
	"DELETE /api/v1/instances/{instance}/users/{user}":                                               {nil, map[int]any{202: wire.TaskAccepted{}, 204: nil}},
	"POST /api/v1/instances/{instance}/users/{user}/reset-password":                                  {wire.PasswordRequest{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.KafkaUserInfo{}}},
	"POST /api/v1/instances/{instance}/reset-kafka-password":                                         {wire.PasswordRequest{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.KafkaUserInfo{}}},
	"GET /api/v1/instances/{instance}/topics/{topic}/grants":                                         {nil, map[int]any{200: streamplane.TopicGrants{}}},
	"PUT /api/v1/instances/{instance}/topics/{topic}/grants/default":                                 {wire.GrantRequest{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.TopicGrants{}}},
	"DELETE /api/v1/instances/{instance}/topics/{topic}/grants/default":                              {nil, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.TopicGrants{}}},
	"PUT /api/v1/instances/{instance}/topics/{topic}/grants/users/{user}":                            {wire.GrantRequest{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.TopicGrants{}}},
	"DELETE /api/v1/instances/{instance}/topics/{topic}/grants/users/{user}":                         {nil, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.TopicGrants{}}},
	"GET /api/v1/instances/{instance}/quotas":                                                        {nil, map[int]any{200: streamplane.QuotaList{}}},
	"POST /api/v1/instances/{instance}/quotas":                                                       {streamplane.QuotaSpec{}, map[int]any{202: wire.TaskAccepted{}, 201: streamplane.Quota{}}},
	"PATCH /api/v1/instances/{instance}/quotas":                                                      {streamplane.QuotaUpdate{}, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.Quota{}}},
	"DELETE /api/v1/instances/{instance}/quotas":                                                     {nil, map[int]any{202: wire.TaskAccepted{}, 200: streamplane.QuotaDeletion{}}},
	"GET /api/v1/instances/{instance}/quotas/usage":                                                  {nil, map[int]any{200: streamplane.QuotaUsage{}}},
	"POST /api/v1/auth/login":                                                                        {streamplane.Login{}, map[int]any{200: streamplane.TokenSecret{}}},
	"GET /api/v1/auth/whoami":                                                                        {nil, map[int]any{200: streamplane.Account{}}},
	"GET /api/v1/iam/users":                                                                          {nil, map[int]any{200: wire.AccountList{}}},
	"POST /api/v1/iam/users":                                                                         {streamplane.AccountSpec{}, map[int]any{201: streamplane.Account{}}},
	"GET /api/v1/iam/users/{user}":                                                                   {nil, map[int]any{200: streamplane.Account{}}},
	"DELETE /api/v1/iam/users/{user}":                                                                {nil, map[int]any{204: nil}},
	"PUT /api/v1/iam/users/{user}/password":                                                          {wire.PasswordChange{}, map[int]any{204: nil}},
	"POST /api/v1/iam/users/{user}/attachments":                                                      {wire.AttachmentSpec{}, map[int]any{200: streamplane.Account{}}},
	"DELETE /api/v1/iam/users/{user}/attachments":                                                    {nil, map[int]any{200: streamplane.Account{}}},
	"GET /api/v1/iam/tokens":                                                                         {nil, map[int]any{200: wire.TokenList{}}},
	"POST /api/v1/iam/tokens":                                                                        {streamplane.TokenSpec{}, map[int]any{201: streamplane.TokenSecret{}}},
	"DELETE /api/v1/iam/tokens/{token}":                                                              {nil, map[int]any{204: nil}},
	"GET /api/v1/iam/policies":                                                                       {nil, map[int]any{200: wire.PolicyList{}}},
	"POST /api/v1/iam/policies":                                                                      {wire.PolicySpec{}, map[int]any{201: streamplane.Policy{}}},
	"GET /api/v1/iam/policies/{policy}":                                                              {nil, map[int]any{200: streamplane.Policy{}}},
	"PUT /api/v1/iam/policies/{policy}":                                                              {wire.PolicyUpdate{}, map[int]any{200: streamplane.Policy{}}},
	"DELETE /api/v1/iam/policies/{policy}":                                                           {nil, map[int]any{204: nil}},
	"GET /api/v1/iam/simulate":                                                                       {nil, map[int]any{200: wire.Decision{}}},
	"GET /api/v1/projects":                                                                           {nil, map[int]any{200: wire.ProjectList{}}},
	"POST /api/v1/projects":                                                                          {streamplane.Project{}, map[int]any{201: streamplane.ProjectUsage{}}},
	"GET /api/v1/projects/{project}":                                                                 {nil, map[int]any{200: streamplane.ProjectUsage{}}},
	"PATCH /api/v1/projects/{project}":                                                               {wire.ProjectUpdate{}, map[int]any{200: streamplane.ProjectUsage{}}},
	"DELETE /api/v1/projects/{project}":                                                              {nil, map[int]any{204: nil}},
	"GET /api/v1/audit":                                                                              {nil, map[int]any{200: wire.AuditList{}}},
	"GET /api/v1/audit/verify":                                                                       {nil, map[int]any{200: wire.AuditVerification{}}},
}
