package dev.streamplane.kafka;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks SASL/PLAIN logins against a file of salted PBKDF2-HMAC-SHA512
 * hashes that Streamplane rewrites whenever users change, so users come and
 * go without a broker restart and no password is kept in clear.
 *
 * <p>Broker configuration, for a listener named CLIENT:
 * <pre>
 * listener.name.client.plain.sasl.server.callback.handler.class=dev.streamplane.kafka.PlainCredentialsCallbackHandler
 * listener.name.client.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \
 *     streamplane.credentials.file="/path/to/plain-users";
 * </pre>
 * The PlainLoginModule entry is still needed: loading it registers Kafka's
 * PLAIN SaslServer. It needs no username or password on a listener that
 * is not the inter-broker one. See {@link CredentialsFile} for the format.
 *
 * <p>Kafka makes one handler per network thread of the listener and calls
 * {@link #handle} from those threads, concurrently.
 */
public final class PlainCredentialsCallbackHandler implements AuthenticateCallbackHandler {
    /** The JAAS option naming the credentials file. */
    public static final String FILE_OPTION = "streamplane.credentials.file";

    private static final Logger log = LoggerFactory.getLogger(PlainCredentialsCallbackHandler.class);

    // Kafka makes one handler per network thread; they share the file's
    // state, so that a change is read and logged once per broker.
    private static final Map<Path, CredentialsFile> files = new ConcurrentHashMap<>();

    private volatile CredentialsFile file;

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        // Misconfiguration, unlike a bad file, fails the broker's start.
        if (!"PLAIN".equals(saslMechanism)) {
            throw new IllegalArgumentException(getClass().getName() + " handles PLAIN, not " + saslMechanism);
        }
        String path = null;
        for (AppConfigurationEntry entry : jaasConfigEntries) {
            Object v = entry.getOptions().get(FILE_OPTION);
            if (v instanceof String && !((String) v).isEmpty()) {
                path = (String) v;
                break;
            }
        }
        if (path == null) {
            throw new IllegalArgumentException("the PLAIN JAAS entry has no " + FILE_OPTION + " option");
        }
        file = files.computeIfAbsent(Paths.get(path).toAbsolutePath().normalize(), p -> {
            log.info("Streamplane PLAIN credentials: checking logins against {}", p);
            CredentialsFile f = new CredentialsFile(p);
            f.users(); // load now, so a problem shows in the log at start
            return f;
        });
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        String name = null;
        PlainAuthenticateCallback auth = null;
        for (Callback c : callbacks) {
            if (c instanceof NameCallback) {
                name = ((NameCallback) c).getDefaultName();
            } else if (c instanceof PlainAuthenticateCallback) {
                auth = (PlainAuthenticateCallback) c;
            } else {
                throw new UnsupportedCallbackException(c);
            }
        }
        if (auth != null) {
            auth.authenticated(name != null && authenticate(name, auth.password()));
        }
    }

    private boolean authenticate(String name, char[] password) {
        CredentialsFile f = file;
        if (f == null) {
            throw new IllegalStateException("not configured");
        }
        CredentialsFile.Users users = f.users();
        if (users == null) {
            return false; // the file is broken; that was logged
        }
        Credential c = users.byName.get(name);
        if (c == null) {
            users.decoy.verify(password);
            return false;
        }
        return c.verify(password);
    }

    @Override
    public void close() {
    }
}
