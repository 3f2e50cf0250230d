package streamplane

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

var (
	instanceNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,63}$`)
	uuidLikeRE     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	zoneNameRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
)

// DiskTypes are the storage classes an instance may ask for. The local
// provisioner puts all of them on the data directory's filesystem; other
// provisioners map them to storage classes.
var DiskTypes = []string{"ultrahigh", "high", "general", "extreme"}

// MaxTags is the most tags an instance may carry (DMS 7.9).
const MaxTags = 20

// ValidateInstanceName checks the SPEC §1 name rule.
func ValidateInstanceName(name string) error {
	switch {
	case name == "":
		return Invalid("name", "name is required")
	case !instanceNameRE.MatchString(name):
		return Invalid("name", "name %q must be 4–64 characters, start with a letter and contain only letters, digits, '-' and '_'", name)
	case uuidLikeRE.MatchString(name):
		return Invalid("name", "name %q must not have the form of an instance id", name)
	}
	return nil
}

// ValidateDescription checks the description length.
func ValidateDescription(d string) error {
	if utf8.RuneCountInString(d) > 1024 {
		return Invalid("description", "description must be at most 1024 characters, got %d", utf8.RuneCountInString(d))
	}
	return nil
}

const tagForbidden = "=*<>\\,|/"

// ValidateTag checks one tag against DMS 7.9.
func ValidateTag(key, value string) error {
	field := "tags." + key
	switch {
	case key == "":
		return Invalid("tags", "tag key must not be empty")
	case utf8.RuneCountInString(key) > 36:
		return Invalid(field, "tag key %q is longer than 36 characters", key)
	case strings.ContainsAny(key, tagForbidden):
		return Invalid(field, "tag key %q must not contain any of %s", key, tagForbidden)
	case strings.TrimSpace(key) != key:
		return Invalid(field, "tag key %q must not start or end with a space", key)
	case value == "":
		return Invalid(field, "tag %q needs a value", key)
	case utf8.RuneCountInString(value) > 43:
		return Invalid(field, "value of tag %q is longer than 43 characters", key)
	case strings.ContainsAny(value, tagForbidden):
		return Invalid(field, "value of tag %q must not contain any of %s", key, tagForbidden)
	case strings.TrimSpace(value) != value:
		return Invalid(field, "value of tag %q must not start or end with a space", key)
	}
	return nil
}

// ValidateTags checks every tag and the tag count.
func ValidateTags(tags map[string]string) error {
	if len(tags) > MaxTags {
		return Invalid("tags", "an instance may have at most %d tags, got %d", MaxTags, len(tags))
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the same first error every time
	for _, k := range keys {
		if err := ValidateTag(k, tags[k]); err != nil {
			return err
		}
	}
	return nil
}

// Placement says what the server can offer: the Kafka versions of its
// catalog and the zones its provisioner spreads brokers over.
type Placement struct {
	Versions []string
	Zones    []string
}

// Normalize fills defaults into a spec and checks every rule of SPEC §1 that
// does not need the store. It returns the first broken rule, naming the field.
func (s *InstanceSpec) Normalize(p Placement) error {
	if err := ValidateInstanceName(s.Name); err != nil {
		return err
	}
	if err := ValidateDescription(s.Description); err != nil {
		return err
	}
	if s.Project == "" {
		s.Project = DefaultProject
	} else if err := ValidateProjectName("project", s.Project); err != nil {
		return err
	}
	if s.Version == "" {
		return Invalid("version", "version is required; one of %s", strings.Join(p.Versions, ", "))
	}
	if !slices.Contains(p.Versions, s.Version) {
		return Invalid("version", "unknown Kafka version %q; the catalog has %s", s.Version, strings.Join(p.Versions, ", "))
	}
	if s.Flavor == "" {
		return Invalid("flavor", "flavor is required")
	}
	f, ok := LookupFlavor(s.Flavor)
	if !ok {
		names := []string{}
		for _, f := range Flavors() {
			names = append(names, f.Name)
		}
		return Invalid("flavor", "unknown flavor %q; one of %s", s.Flavor, strings.Join(names, ", "))
	}
	if s.BrokerCount < f.MinBrokers || s.BrokerCount > f.MaxBrokers {
		return Invalid("broker_count", "flavor %s allows %d–%d brokers, got %d", f.Name, f.MinBrokers, f.MaxBrokers, s.BrokerCount)
	}
	if err := validateStorage(f, s.BrokerCount, s.StorageGBPerBroker); err != nil {
		return err
	}
	if s.CapacityPolicy == "" {
		s.CapacityPolicy = CapacityPolicies[0]
	} else if err := ValidateCapacityPolicy("capacity_policy", s.CapacityPolicy); err != nil {
		return err
	}
	if s.DiskType == "" {
		s.DiskType = DiskTypes[0]
	} else if !slices.Contains(DiskTypes, s.DiskType) {
		return Invalid("disk_type", "unknown disk type %q; one of %s", s.DiskType, strings.Join(DiskTypes, ", "))
	}
	if len(s.Zones) == 0 && len(p.Zones) > 0 {
		s.Zones = []string{p.Zones[0]}
	}
	if err := validateZones(s.Zones, p.Zones, s.BrokerCount); err != nil {
		return err
	}
	if err := s.normalizeSecurity(); err != nil {
		return err
	}
	return ValidateTags(s.Tags)
}

func validateStorage(f Flavor, brokers, gb int) error {
	switch {
	case gb < f.MinStorageGBPerBroker || gb > f.MaxStorageGBPerBroker:
		return Invalid("storage_gb_per_broker", "flavor %s allows %d–%d GB per broker, got %d", f.Name, f.MinStorageGBPerBroker, f.MaxStorageGBPerBroker, gb)
	case gb%f.StorageStepGB != 0:
		return Invalid("storage_gb_per_broker", "flavor %s takes storage in steps of %d GB, got %d", f.Name, f.StorageStepGB, gb)
	case gb*brokers > f.MaxStorageGBTotal:
		return Invalid("storage_gb_per_broker", "flavor %s allows at most %d GB in all, got %d brokers × %d GB", f.Name, f.MaxStorageGBTotal, brokers, gb)
	}
	return nil
}

func validateZones(zones, available []string, brokers int) error {
	seen := map[string]bool{}
	for _, z := range zones {
		if !zoneNameRE.MatchString(z) {
			return Invalid("zones", "zone %q is not a valid zone name", z)
		}
		if len(available) > 0 && !slices.Contains(available, z) {
			return Invalid("zones", "unknown zone %q; this server has %s", z, strings.Join(available, ", "))
		}
		if seen[z] {
			return Invalid("zones", "zone %q is listed twice", z)
		}
		seen[z] = true
	}
	switch n := len(zones); {
	case n == 0:
		return Invalid("zones", "at least one zone is required")
	case n == 2:
		return Invalid("zones", "choose 1 zone or at least 3, never 2: with 2 zones losing one loses the controller quorum")
	case n > brokers:
		return Invalid("zones", "%d zones need at least %d brokers, got %d", n, n, brokers)
	}
	return nil
}

// Apply checks an update and applies it to inst.
// Nothing changes unless every part is valid.
func (u InstanceUpdate) Apply(inst *Instance) error {
	if u.Name != nil {
		if err := ValidateInstanceName(*u.Name); err != nil {
			return err
		}
	}
	if u.Description != nil {
		if err := ValidateDescription(*u.Description); err != nil {
			return err
		}
	}
	if u.CapacityPolicy != nil {
		if err := ValidateCapacityPolicy("capacity_policy", *u.CapacityPolicy); err != nil {
			return err
		}
	}
	tags := map[string]string{}
	for k, v := range inst.Tags {
		tags[k] = v
	}
	for _, k := range u.RemoveTags {
		if _, ok := tags[k]; !ok {
			return Invalid("remove_tags", "instance has no tag %q", k)
		}
		delete(tags, k)
	}
	for k, v := range u.SetTags {
		tags[k] = v
	}
	if err := ValidateTags(tags); err != nil {
		return err
	}
	if u.Name != nil {
		inst.Name = *u.Name
	}
	if u.Description != nil {
		inst.Description = *u.Description
	}
	if u.DeletionProtection != nil {
		inst.DeletionProtection = *u.DeletionProtection
	}
	if u.CapacityPolicy != nil {
		inst.CapacityPolicy = *u.CapacityPolicy
	}
	inst.Tags = tags
	return nil
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
