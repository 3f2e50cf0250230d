import dev.streamplane.kafka.TopicPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.server.policy.CreateTopicPolicy.RequestMetadata;

/**
 * Test driver: the topic policy with a scripted count of topics, configured
 * with a limit of 10 partitions, 5 per topic. Each stdin line is a command,
 * each answered with one line:
 *   count aaa=3 bbb=4  the count now answers these topics ("ok")
 *   fail            the count now fails ("ok")
 *   create NAME N   validates NAME with N partitions ("ok" or "refused MESSAGE")
 *   assign NAME N   the same with a manual assignment of N partitions
 *   calls           how many times the policy counted
 */
public class CheckTopicPolicy {
    static Map<String, Integer> topics = new HashMap<>();
    static boolean failing;
    static int calls;

    public static void main(String[] args) throws Exception {
        TopicPolicy policy = new TopicPolicy(new TopicPolicy.Counter() {
            @Override
            public Map<String, Integer> userTopics() throws Exception {
                calls++;
                if (failing) {
                    throw new java.io.IOException("no broker answers");
                }
                return new HashMap<>(topics);
            }

            @Override
            public void close() {}
        });
        policy.configure(Map.of(TopicPolicy.INSTANCE, "test", TopicPolicy.MAX_PARTITIONS, "10",
                TopicPolicy.MAX_TOPIC_PARTITIONS, "5", "offsets.topic.num.partitions", "3"));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "count":
                    failing = false;
                    topics = new HashMap<>();
                    for (int i = 1; i < f.length; i++) {
                        String[] kv = f[i].split("=");
                        topics.put(kv[0], Integer.parseInt(kv[1]));
                    }
                    System.out.println("ok");
                    break;
                case "fail":
                    failing = true;
                    System.out.println("ok");
                    break;
                case "calls":
                    System.out.println(calls);
                    break;
                default:
                    int n = Integer.parseInt(f[2]);
                    RequestMetadata req;
                    if (f[0].equals("assign")) {
                        Map<Integer, List<Integer>> assignments = new HashMap<>();
                        for (int p = 0; p < n; p++) {
                            assignments.put(p, List.of(1));
                        }
                        req = new RequestMetadata(f[1], null, null, assignments, Map.of());
                    } else {
                        req = new RequestMetadata(f[1], n, (short) 1, null, Map.of());
                    }
                    try {
                        policy.validate(req);
                        System.out.println("ok");
                    } catch (PolicyViolationException e) {
                        System.out.println("refused " + e.getMessage());
                    }
            }
            System.out.flush();
        }
        policy.close();
    }
}
