package dev.streamplane.kafka;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.server.policy.CreateTopicPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds every topic creation, whoever asks (a client's CreateTopics or auto
 * creation through a client listener, or the control plane), to the rules
 * Streamplane's API applies: the name rule, a per-topic partition range and
 * the instance's partition limit (its flavor's partitions per broker times
 * its brokers), counted as the API counts it: the partitions of every topic
 * but Kafka's internal ones, whose names start with "__".
 *
 * <p>Kafka's own internal topics (__consumer_offsets, __transaction_state,
 * __share_group_state), which brokers create themselves, pass with at most
 * the partitions the broker configuration gives them; any other name
 * starting with "__" is refused, as the API refuses it.
 *
 * <p>In KRaft the policy runs on the active controller, which tells it only
 * about the topic being created. The current count comes from an admin
 * client on the internal listener, with the settings under
 * {@link #ADMIN_PREFIX}. Topics allowed are added to the count until it
 * shows them, so that the topics of one request, or of requests in quick
 * succession, count together; a count read {@link #VISIBLE_MS} after a
 * topic was allowed shows it unless it was never made (a validate-only
 * request, one that failed later) or is deleted already. The count is kept
 * for {@link #SNAPSHOT_MS} to allow creations, but a refusal is always
 * decided on a fresh one, so that topics deleted make room at once (as
 * soon as the brokers know of it: a few milliseconds after the deletion
 * was answered).
 *
 * <p>Broker configuration:
 * <pre>
 * create.topic.policy.class.name=dev.streamplane.kafka.TopicPolicy
 * streamplane.topic.policy.instance=orders
 * streamplane.topic.policy.max.partitions=750
 * streamplane.topic.policy.max.topic.partitions=100
 * streamplane.topic.policy.admin.bootstrap.servers=127.0.0.1:9094
 * streamplane.topic.policy.admin.security.protocol=SASL_PLAINTEXT   (and the other admin client settings)
 * </pre>
 */
public class TopicPolicy implements CreateTopicPolicy {
    public static final String INSTANCE = "streamplane.topic.policy.instance";
    public static final String MAX_PARTITIONS = "streamplane.topic.policy.max.partitions";
    public static final String MAX_TOPIC_PARTITIONS = "streamplane.topic.policy.max.topic.partitions";
    /** Settings of the admin client that counts partitions, without this prefix. */
    public static final String ADMIN_PREFIX = "streamplane.topic.policy.admin.";

    /** The API's topic name rule (root package, topic.go). */
    static final Pattern NAME = Pattern.compile("^[A-Za-z0-9._-]{3,200}$");

    static final long SNAPSHOT_MS = 1_000;
    static final long VISIBLE_MS = 1_000;
    static final long TIMEOUT_MS = 5_000;

    // Kafka's internal topics and the broker settings of their partitions
    // (with Kafka's defaults).
    private static final Map<String, String> INTERNAL = Map.of(
            "__consumer_offsets", "offsets.topic.num.partitions",
            "__transaction_state", "transaction.state.log.num.partitions",
            "__share_group_state", "share.coordinator.state.topic.num.partitions");
    private static final int INTERNAL_DEFAULT_PARTITIONS = 50;

    private static final Logger log = LoggerFactory.getLogger(TopicPolicy.class);

    /** Counts the partitions of the instance's topics, by topic. */
    public interface Counter extends AutoCloseable {
        Map<String, Integer> userTopics() throws Exception;

        @Override
        void close();
    }

    private static final class Pending {
        final int partitions;
        final long at;

        Pending(int partitions, long at) {
            this.partitions = partitions;
            this.at = at;
        }
    }

    private String instance = "the instance";
    private int maxPartitions;
    private int maxTopicPartitions;
    private final Map<String, Integer> internalPartitions = new HashMap<>();
    private Counter counter;

    private Map<String, Integer> snapshot;
    private long snapshotAt;
    private final Map<String, Pending> pending = new HashMap<>();

    /** The constructor Kafka calls; configure then reads the settings. */
    public TopicPolicy() {}

    /** A policy counting with counter, for tests. */
    public TopicPolicy(Counter counter) {
        this.counter = counter;
    }

    @Override
    public synchronized void configure(Map<String, ?> configs) {
        Object name = configs.get(INSTANCE);
        if (name != null) {
            instance = "instance " + name;
        }
        maxPartitions = positive(configs, MAX_PARTITIONS);
        maxTopicPartitions = positive(configs, MAX_TOPIC_PARTITIONS);
        for (Map.Entry<String, String> e : INTERNAL.entrySet()) {
            Object v = configs.get(e.getValue());
            internalPartitions.put(e.getKey(), v == null ? INTERNAL_DEFAULT_PARTITIONS : Integer.parseInt(v.toString().trim()));
        }
        if (counter == null) {
            Map<String, Object> admin = new HashMap<>();
            admin.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamplane-topic-policy");
            admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
            admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
            for (Map.Entry<String, ?> e : configs.entrySet()) {
                if (e.getKey().startsWith(ADMIN_PREFIX) && e.getValue() != null) {
                    admin.put(e.getKey().substring(ADMIN_PREFIX.length()), e.getValue());
                }
            }
            if (!admin.containsKey(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException(getClass().getName() + " needs " + ADMIN_PREFIX + AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
            }
            counter = new AdminCounter(admin);
        }
    }

    private static int positive(Map<String, ?> configs, String key) {
        Object v = configs.get(key);
        int n = v == null ? 0 : Integer.parseInt(v.toString().trim());
        if (n <= 0) {
            throw new IllegalArgumentException(TopicPolicy.class.getName() + " needs " + key + " > 0");
        }
        return n;
    }

    @Override
    public synchronized void validate(RequestMetadata req) throws PolicyViolationException {
        String name = req.topic();
        int partitions = req.numPartitions() != null ? req.numPartitions()
                : req.replicasAssignments() == null ? 0 : req.replicasAssignments().size();
        if (name.startsWith("__")) {
            Integer max = internalPartitions.get(name);
            if (max == null) {
                throw new PolicyViolationException(String.format(
                        "topic name \"%s\" is reserved: names starting with \"__\" are Kafka's internal topics", name));
            }
            if (partitions > max) {
                throw new PolicyViolationException(String.format(
                        "Kafka's internal topic %s takes at most %d partitions on this instance, not %d", name, max, partitions));
            }
            return;
        }
        if (!NAME.matcher(name).matches()) {
            throw new PolicyViolationException(String.format(
                    "topic name \"%s\" must be 3–200 characters of letters, digits, '.', '_' and '-'", name));
        }
        if (partitions < 1 || partitions > maxTopicPartitions) {
            throw new PolicyViolationException(String.format(
                    "a topic has 1 to %d partitions; %s would have %d", maxTopicPartitions, name, partitions));
        }
        long now = System.nanoTime() / 1_000_000;
        boolean fresh = snapshot == null || now - snapshotAt >= SNAPSHOT_MS;
        if (fresh) {
            refresh(now);
        }
        int used = used();
        if (used + partitions > maxPartitions && !fresh) {
            // Refuse only on a fresh count: topics deleted since the kept
            // one was read would be counted otherwise.
            refresh(now);
            used = used();
        }
        if (used + partitions > maxPartitions) {
            throw new PolicyViolationException(String.format(
                    "%s allows %d partitions and its topics have %d; %d more would make %d. Delete topics or choose a larger flavor",
                    instance, maxPartitions, used, partitions, used + partitions));
        }
        pending.put(name, new Pending(partitions, now));
    }

    // used counts the partitions of the last count and of the topics
    // allowed that it does not show yet, forgetting those it shows and
    // those it should show by now: never made, or deleted since.
    private int used() {
        int used = 0;
        for (int n : snapshot.values()) {
            used += n;
        }
        for (Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Pending> e = it.next();
            if (snapshot.containsKey(e.getKey()) || snapshotAt - e.getValue().at >= VISIBLE_MS) {
                it.remove();
            } else {
                used += e.getValue().partitions;
            }
        }
        return used;
    }

    // refresh counts the instance's topics and their partitions anew.
    private void refresh(long now) throws PolicyViolationException {
        try {
            snapshot = counter.userTopics();
            snapshotAt = now;
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            log.warn("Streamplane topic policy: cannot count the partitions of {}", instance, cause);
            throw new PolicyViolationException(String.format(
                    "cannot count the partitions of %s to check its limit (%s); try again", instance, cause));
        }
    }

    @Override
    public synchronized void close() {
        if (counter != null) {
            counter.close();
        }
    }

    /**
     * Counts with an admin client: the topics not internal, described. The
     * client is made on first use, so that only the active controller, the
     * one that validates, holds one.
     */
    static final class AdminCounter implements Counter {
        private final Map<String, Object> config;
        private Admin admin;

        AdminCounter(Map<String, Object> config) {
            this.config = config;
        }

        @Override
        public Map<String, Integer> userTopics() throws Exception {
            if (admin == null) {
                admin = Admin.create(config);
            }
            Set<String> names = new HashSet<>(admin.listTopics(new ListTopicsOptions().listInternal(false))
                    .names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            names.removeIf(n -> n.startsWith("__"));
            Map<String, Integer> out = new HashMap<>();
            if (names.isEmpty()) {
                return out;
            }
            for (Map.Entry<String, KafkaFuture<TopicDescription>> e : admin.describeTopics(names).topicNameValues().entrySet()) {
                try {
                    out.put(e.getKey(), e.getValue().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).partitions().size());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw ex;
                    }
                    // deleted since it was listed
                }
            }
            return out;
        }

        @Override
        public void close() {
            if (admin != null) {
                admin.close();
            }
        }
    }
}
