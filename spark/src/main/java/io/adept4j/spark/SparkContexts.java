package io.adept4j.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starting a Spark context the way every adept4j command needs one. */
public final class SparkContexts {

    private static final Logger log = LoggerFactory.getLogger(SparkContexts.class);

    private SparkContexts() {
    }

    /**
     * Connects to {@code master} ({@code local[N]}, {@code spark://host:7077}, {@code yarn}) without Spark's web UI and
     * without task retries (adept4j records a failed task's error instead of rerunning hours of work). A local master
     * binds to the loopback address only.
     *
     * @throws IllegalArgumentException for an empty master
     */
    public static JavaSparkContext start(String master, String appName) {
        if (master == null || master.isBlank()) {
            throw new IllegalArgumentException("a Spark master is needed: local[2], spark://HOST:7077 or yarn");
        }
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.task.maxFailures", "1");
        if (master.startsWith("local")) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        JavaSparkContext sc = new JavaSparkContext(conf);
        sc.setLogLevel("WARN");
        log.info(String.format("[spark] %s: Spark master %s, %d task slots", appName, master, sc.defaultParallelism()));
        return sc;
    }
}
