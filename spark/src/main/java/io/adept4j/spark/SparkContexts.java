package io.adept4j.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Starting a Spark context the way every adept4j command needs one. */
public final class SparkContexts {

    private static final Logger log = LoggerFactory.getLogger(SparkContexts.class);

    private SparkContexts() {
    }

    /** The environment variables an executor JVM gets from the driver's (BLAS threads and kernel; see {@code ./adept}). */
    static final List<String> EXECUTOR_ENV = List.of("OMP_NUM_THREADS", "OPENBLAS_CORETYPE");

    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\d+,\\d+,(\\d+)]");

    /** The master that runs executors in YARN containers, this process being the driver (client deploy mode). */
    public static final String YARN = "yarn";

    /** Environment variables naming the folder of a YARN cluster's {@code *-site.xml} files, in the order looked at. */
    static final List<String> HADOOP_CONF_ENV = List.of("HADOOP_CONF_DIR", "YARN_CONF_DIR");

    /** The Hadoop files read from that folder, as Spark's own launcher puts them on the class path. */
    private static final List<String> HADOOP_SITE_FILES = List.of("core-site.xml", "hdfs-site.xml", "yarn-site.xml");

    /**
     * Connects to {@code master} ({@code local[N]}, {@code local-cluster[W,C,MB]}, {@code spark://host:7077} or
     * {@code yarn}) without Spark's web UI and without task retries (adept4j records a failed task's error instead of
     * rerunning hours of work). A local master binds to the loopback address only; the others start executor JVMs,
     * set up as this one ({@link #executorsLikeThisJvm}; on YARN also {@link #yarnLikeThisJvm}).
     *
     * @throws IllegalArgumentException for an empty master, or one {@link #requireReachable} refuses
     */
    public static JavaSparkContext start(String master, String appName) {
        return start(master, appName, Map.of());
    }

    /**
     * {@link #start(String, String)} with Spark settings of the user's ({@code spark.executor.instances},
     * {@code spark.yarn.queue}, …): they win over every choice of this class.
     */
    public static JavaSparkContext start(String master, String appName, Map<String, String> settings) {
        requireReachable(master, settings);
        Matcher cluster = LOCAL_CLUSTER.matcher(master);
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.task.maxFailures", "1");
        settings.forEach(conf::set);
        if (master.startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        if (!master.matches("local(\\[.*])?")) {
            executorsLikeThisJvm(conf, cluster.matches() ? Long.parseLong(cluster.group(1)) : Long.MAX_VALUE);
        }
        if (master.equals(YARN)) {
            yarnLikeThisJvm(conf, hadoopConfDirs());
        }
        JavaSparkContext sc = new JavaSparkContext(conf);
        sc.setLogLevel("WARN");
        log.info(String.format("[spark] %s: Spark master %s, %d task slots", appName, master, sc.defaultParallelism()));
        return sc;
    }

    /**
     * Refuses, before any work, a master this process cannot start: an empty one, a {@code local-cluster} without a
     * Spark home ({@link #requireSparkHome}) and {@code yarn} without the cluster's configuration (a folder in
     * {@link #HADOOP_CONF_ENV} holding {@code yarn-site.xml}, or {@code spark.hadoop.yarn.resourcemanager.address} in
     * {@code settings} or as a {@code -D} property).
     *
     * @param settings the Spark settings the context will be started with
     * @throws IllegalArgumentException naming what to set
     */
    public static void requireReachable(String master, Map<String, String> settings) {
        if (master == null || master.isBlank()) {
            throw new IllegalArgumentException("a Spark master is needed: local[2], local-cluster[2,1,2048], "
                    + "spark://HOST:7077 or yarn");
        }
        if (LOCAL_CLUSTER.matcher(master).matches()) {
            requireSparkHome();
        }
        String rm = "spark.hadoop.yarn.resourcemanager.address";
        if (master.equals(YARN) && hadoopConfDirs().stream().noneMatch(d -> new File(d, "yarn-site.xml").isFile())
                && !settings.containsKey(rm) && System.getProperty(rm) == null) {
            throw new IllegalArgumentException("a yarn master needs the cluster's configuration: export HADOOP_CONF_DIR "
                    + "(or YARN_CONF_DIR) naming the folder with its yarn-site.xml (HADOOP_CONF_DIR is "
                    + System.getenv("HADOOP_CONF_DIR") + ", YARN_CONF_DIR is " + System.getenv("YARN_CONF_DIR") + ")");
        }
    }

    /** The folders {@link #HADOOP_CONF_ENV} name that exist, in that order (Spark's launcher reads both). */
    private static List<File> hadoopConfDirs() {
        List<File> dirs = new ArrayList<>();
        for (String name : HADOOP_CONF_ENV) {
            String dir = System.getenv(name);
            if (dir != null && new File(dir).isDirectory()) {
                dirs.add(new File(dir));
            }
        }
        return dirs;
    }

    /**
     * What a YARN application started from this JVM needs beyond {@link #executorsLikeThisJvm}, unless already given:
     * the client deploy mode (the driver is this process); the cluster's {@code *-site.xml} settings from
     * {@code confDirs} as {@code spark.hadoop.*} entries (Spark's launcher would put {@code HADOOP_CONF_DIR} on the
     * class path; this JVM was not started by it); the containers' Spark jars ({@code spark.yarn.jars}: this JVM's class path as {@code local:}
     * paths, so the NodeManagers find the install at the same path, as standalone workers do, instead of an upload of
     * {@code SPARK_HOME/jars}); and the application master's module flags (Java 17 refuses Spark's reflection without
     * them).
     */
    static SparkConf yarnLikeThisJvm(SparkConf conf, List<File> confDirs) {
        conf.setIfMissing("spark.submit.deployMode", "client");
        org.apache.hadoop.conf.Configuration site = new org.apache.hadoop.conf.Configuration(false);
        for (File dir : confDirs) {
            for (String f : HADOOP_SITE_FILES) {
                File file = new File(dir, f);
                if (file.isFile()) {
                    site.addResource(new org.apache.hadoop.fs.Path(file.toURI()));
                }
            }
        }
        for (Map.Entry<String, String> e : site) {
            conf.setIfMissing("spark.hadoop." + e.getKey(), e.getValue());
        }
        if (!conf.contains("spark.yarn.jars")) {
            List<String> jars = new ArrayList<>();
            for (String e : conf.get("spark.executor.extraClassPath").split(File.pathSeparator)) {
                jars.add("local:" + e);
            }
            conf.set("spark.yarn.jars", String.join(",", jars));
        }
        conf.setIfMissing("spark.yarn.am.extraJavaOptions", conf.get("spark.executor.extraJavaOptions"));
        return conf;
    }

    /**
     * A {@code local-cluster} master starts standalone workers inside this JVM, and a worker refuses to start executors
     * without {@code SPARK_HOME/jars} and {@code SPARK_SCALA_VERSION} (it retries ten times, then the master removes the
     * application): checked here, before any work. The folder may be empty (this build's executors take their jars
     * from {@link #executorsLikeThisJvm}'s class path); the workers keep their scratch folders in
     * {@code SPARK_HOME/work}. {@code ./adept} sets both to {@code .cache/spark-home} and 2.12 when they are unset.
     */
    private static void requireSparkHome() {
        String home = System.getenv("SPARK_HOME");
        if (home == null || !new File(home, "jars").isDirectory() || System.getenv("SPARK_SCALA_VERSION") == null) {
            throw new IllegalArgumentException("a local-cluster master starts Spark workers in this process, which need "
                    + "SPARK_HOME set to a folder with a jars/ subfolder (SPARK_HOME is " + home + ") and "
                    + "SPARK_SCALA_VERSION=2.12; ./adept sets both when unset (.cache/spark-home), or export them");
        }
    }

    /**
     * Sets up executor JVMs (every master but {@code local[N]}, whose executor is this JVM) as this driver runs, unless
     * the setting is already given (as a {@code -Dspark.…} system property or in Spark's defaults file): its class path
     * ({@code spark.executor.extraClassPath}, so a worker loads this build's jars from the same paths: an install on a
     * shared mount or at the same path on every machine), its module and native-access flags and the {@code adept4j} and
     * {@code org.nd4j} properties ({@code spark.executor.extraJavaOptions}: without {@code jdk.incubator.vector} an
     * executor would take the slower ND4J path and compute other bits), its heap ({@code spark.executor.memory}: Spark's
     * default of 1 GiB is half of {@code ./adept}'s; at most {@code workerMb}) and {@link #EXECUTOR_ENV}.
     */
    static SparkConf executorsLikeThisJvm(SparkConf conf, long workerMb) {
        if (!conf.contains("spark.executor.extraClassPath")) {
            List<String> cp = new ArrayList<>();
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
                if (!e.isBlank()) {
                    cp.add(Path.of(e).toAbsolutePath().toString());
                }
            }
            conf.set("spark.executor.extraClassPath", String.join(File.pathSeparator, cp));
        }
        if (!conf.contains("spark.executor.extraJavaOptions")) {
            List<String> flags = new ArrayList<>();
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--add-modules")
                        || a.startsWith("--enable-native-access") || a.startsWith("-Dadept4j.")
                        || a.startsWith("-Dorg.nd4j.")) {
                    flags.add(a);
                }
            }
            conf.set("spark.executor.extraJavaOptions", String.join(" ", flags));
        }
        if (!conf.contains("spark.executor.memory")) {
            conf.set("spark.executor.memory", Math.min(Runtime.getRuntime().maxMemory() >> 20, workerMb) + "m");
        }
        for (String name : EXECUTOR_ENV) {
            String v = System.getenv(name);
            if (v != null && !conf.contains("spark.executorEnv." + name)) {
                conf.set("spark.executorEnv." + name, v);
            }
        }
        return conf;
    }
}
