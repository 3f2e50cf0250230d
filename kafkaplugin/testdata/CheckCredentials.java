import dev.streamplane.kafka.PlainCredentialsCallbackHandler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;

/**
 * Test driver: drives the plugin's handler the way Kafka's PlainSaslServer
 * does. Argument: the credentials file. Each stdin line is
 * "base64(name) base64(password)"; each answer line is
 * "true|false <microseconds>".
 */
public class CheckCredentials {
    public static void main(String[] args) throws Exception {
        PlainCredentialsCallbackHandler handler = new PlainCredentialsCallbackHandler();
        AppConfigurationEntry entry = new AppConfigurationEntry(
                "org.apache.kafka.common.security.plain.PlainLoginModule",
                AppConfigurationEntry.LoginModuleControlFlag.REQUIRED,
                Map.of(PlainCredentialsCallbackHandler.FILE_OPTION, args[0]));
        handler.configure(Map.of(), "PLAIN", List.of(entry));

        Base64.Decoder b64 = Base64.getDecoder();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] f = line.split(" ", -1);
            String name = new String(b64.decode(f[0]), StandardCharsets.UTF_8);
            String password = new String(b64.decode(f[1]), StandardCharsets.UTF_8);
            NameCallback nc = new NameCallback("username", name);
            PlainAuthenticateCallback pc = new PlainAuthenticateCallback(password.toCharArray());
            long start = System.nanoTime();
            handler.handle(new Callback[] {nc, pc});
            long micros = (System.nanoTime() - start) / 1000;
            System.out.println(pc.authenticated() + " " + micros);
            System.out.flush();
        }
        handler.close();
    }
}
