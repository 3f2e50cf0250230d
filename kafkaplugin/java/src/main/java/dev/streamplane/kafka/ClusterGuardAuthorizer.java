package dev.streamplane.kafka;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.metadata.authorizer.StandardAuthorizer;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's StandardAuthorizer, except that only super users may administer
 * the cluster, whatever ACLs exist.
 *
 * <p>Streamplane runs the StandardAuthorizer with
 * allow.everyone.if.no.acl.found=true, so that a topic or group with no
 * grants is open to every client (DMS semantics). The cluster resource
 * would be open the same way until it has ACLs of its own, and a fresh
 * cluster has none: any client that reached a client listener before the
 * control plane wrote them could create ACLs, alter broker configs, quotas
 * and SCRAM users, and keep what it granted itself. Writing the ACLs before
 * the client listeners open would take a first start without them and a
 * restart of every broker: a broker opens its listeners together, the
 * control plane's with the clients'.
 *
 * <p>So this authorizer decides the cluster resource itself: a principal
 * that is not a super user gets at most the operations ordinary clients
 * need ({@link #CLIENT_OPERATIONS}), which the StandardAuthorizer then
 * decides as usual; every other cluster operation is denied, from the
 * first request on. Topics, groups and the other resources are decided
 * by the StandardAuthorizer unchanged, but for one ACL:
 *
 * <p>The production stop. The control plane stops production (capacity
 * policy stop_production) with DENY WRITE for User:* on the literal topic
 * "*". A denial wins over any grant, so every client's writes are refused.
 * To the StandardAuthorizer, though, that ACL is also an ACL "found" on
 * every topic, which ends allow.everyone.if.no.acl.found for them: topics
 * without grants of their own would refuse reads too. So an action on a
 * topic the StandardAuthorizer denies, other than WRITE, is decided again
 * as if the stop were not there: allowed when no other ACL applies to the
 * topic and allow.everyone.if.no.acl.found is set.
 *
 * <p>Broker configuration: authorizer.class.name=dev.streamplane.kafka.ClusterGuardAuthorizer,
 * with super.users naming the control plane's principals.
 */
public class ClusterGuardAuthorizer extends StandardAuthorizer {
    /**
     * The cluster operations a client may be granted: DESCRIBE (listing
     * groups, ACLs, log dirs), DESCRIBE_CONFIGS (broker configs, quotas) and
     * IDEMPOTENT_WRITE (an idempotent producer's InitProducerId, which needs
     * it or WRITE on some topic). The same set the control plane grants
     * User:* on the cluster.
     */
    public static final Set<AclOperation> CLIENT_OPERATIONS = Collections.unmodifiableSet(
            EnumSet.of(AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS, AclOperation.IDEMPOTENT_WRITE));

    // Kafka logs its authorizer's decisions on this logger.
    private static final Logger auditLog = LoggerFactory.getLogger("kafka.authorizer.logger");

    private volatile Set<String> superUsers = Collections.emptySet();
    private volatile boolean allowIfNoAcl;

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        superUsers = parseSuperUsers(configs.get(SUPER_USERS_CONFIG));
        Object open = configs.get(ALLOW_EVERYONE_IF_NO_ACL_IS_FOUND_CONFIG);
        allowIfNoAcl = open != null && Boolean.parseBoolean(open.toString().trim());
    }

    /** super.users as the StandardAuthorizer reads it: ';'-separated principals. */
    static Set<String> parseSuperUsers(Object value) {
        Set<String> out = new HashSet<>();
        if (value != null) {
            for (String p : value.toString().split(";")) {
                if (!p.trim().isEmpty()) {
                    out.add(p.trim());
                }
            }
        }
        return Collections.unmodifiableSet(out);
    }

    @Override
    public List<AuthorizationResult> authorize(AuthorizableRequestContext context, List<Action> actions) {
        String principal = context.principal().toString();
        if (superUsers.contains(principal)) {
            return super.authorize(context, actions);
        }
        // Ask the StandardAuthorizer only about the actions it may allow, so
        // that its audit log never says it allowed what is denied here.
        List<Action> asked = new ArrayList<>(actions.size());
        for (Action a : actions) {
            if (!guarded(a)) {
                asked.add(a);
            }
        }
        List<AuthorizationResult> answers = asked.isEmpty() ? Collections.emptyList() : besideStop(asked, super.authorize(context, asked));
        if (asked.size() == actions.size()) {
            return answers;
        }
        List<AuthorizationResult> out = new ArrayList<>(actions.size());
        int next = 0;
        for (Action a : actions) {
            if (guarded(a)) {
                if (a.logIfDenied()) {
                    auditLog.info("Principal = {} is Denied operation = {} from host = {} on resource = {}: "
                            + "only Streamplane's control plane administers the cluster",
                            principal, a.operation(), context.clientAddress(), a.resourcePattern());
                }
                out.add(AuthorizationResult.DENIED);
            } else {
                out.add(answers.get(next++));
            }
        }
        return out;
    }

    /**
     * The StandardAuthorizer's answers, with every denial the production
     * stop alone caused (see the class comment) turned into an allowance.
     */
    private List<AuthorizationResult> besideStop(List<Action> actions, List<AuthorizationResult> answers) {
        if (!allowIfNoAcl) {
            return answers;
        }
        List<AuthorizationResult> out = null;
        for (int i = 0; i < actions.size(); i++) {
            Action a = actions.get(i);
            if (answers.get(i) != AuthorizationResult.DENIED || a.operation() == AclOperation.WRITE
                    || a.resourcePattern().resourceType() != ResourceType.TOPIC || !onlyProductionStop(a.resourcePattern().name())) {
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(answers);
            }
            out.set(i, AuthorizationResult.ALLOWED);
        }
        return out == null ? answers : out;
    }

    /** Whether the production stop is the only ACL that applies to the topic. */
    private boolean onlyProductionStop(String topic) {
        AclBindingFilter applying = new AclBindingFilter(
                new ResourcePatternFilter(ResourceType.TOPIC, topic, PatternType.MATCH), AccessControlEntryFilter.ANY);
        boolean stop = false;
        for (AclBinding b : acls(applying)) {
            if (!isProductionStop(b)) {
                return false;
            }
            stop = true;
        }
        return stop;
    }

    /** Whether b is the ACL with which the control plane stops production. */
    static boolean isProductionStop(AclBinding b) {
        return b.pattern().resourceType() == ResourceType.TOPIC
                && b.pattern().patternType() == PatternType.LITERAL
                && ResourcePattern.WILDCARD_RESOURCE.equals(b.pattern().name())
                && "User:*".equals(b.entry().principal())
                && "*".equals(b.entry().host())
                && b.entry().operation() == AclOperation.WRITE
                && b.entry().permissionType() == AclPermissionType.DENY;
    }

    /** Whether the action is a cluster operation no client may perform. */
    static boolean guarded(Action a) {
        return a.resourcePattern().resourceType() == ResourceType.CLUSTER && !CLIENT_OPERATIONS.contains(a.operation());
    }
}
