package io.adept4j.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A YARN cluster in this JVM for tests: Hadoop's own ResourceManager and one NodeManager ({@link MiniYARNCluster}),
 * which launches containers as processes of their own. While it runs, its settings are {@code spark.hadoop.*} system
 * properties, which every {@code SparkConf} made in this JVM reads, as the folder in {@code HADOOP_CONF_DIR} would give
 * them to {@code adept}.
 */
final class YarnCluster implements AutoCloseable {

    private final MiniYARNCluster yarn;
    private final List<String> properties = new ArrayList<>();

    private YarnCluster(MiniYARNCluster yarn) {
        this.yarn = yarn;
    }

    /** Starts the cluster (its logs and container folders under {@code dir}) and publishes its settings. */
    static YarnCluster start(Path dir) throws InterruptedException {
        System.setProperty("test.build.data", dir.toString()); // MiniYARNCluster's own scratch folder
        YarnConfiguration conf = new YarnConfiguration();
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 64);
        conf.setInt(YarnConfiguration.NM_PMEM_MB, 6144);
        // a nearly full disk would make the NodeManager "unhealthy" and no container would ever start
        conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 99.9f);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        MiniYARNCluster yarn = new MiniYARNCluster("adept4j-test", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        YarnCluster c = new YarnCluster(yarn);
        Configuration live = yarn.getConfig();
        long deadline = System.currentTimeMillis() + 60_000;
        while (live.get(YarnConfiguration.RM_ADDRESS).endsWith(":0") && System.currentTimeMillis() < deadline) {
            Thread.sleep(100); // the ResourceManager publishes its port once it listens
        }
        for (Map.Entry<String, String> e : live) {
            c.publish("spark.hadoop." + e.getKey(), e.getValue());
        }
        c.publish("spark.executor.memory", "1g"); // two executors and the application master fit the NodeManager
        return c;
    }

    private void publish(String key, String value) {
        System.setProperty(key, value);
        properties.add(key);
    }

    /** Containers the NodeManager has launched so far (running or finished). */
    int containers() {
        return yarn.getNodeManager(0).getNMContext().getContainers().size();
    }

    @Override
    public void close() {
        properties.forEach(System::clearProperty);
        System.clearProperty("test.build.data");
        yarn.stop();
    }
}
