//! Waiting for replicas to report `SERVING` on the gRPC health service.

use std::time::{Duration, Instant};
use tonic_health::pb::{
    health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
};

/// Ask `addr` (`host:port`) once whether it serves (overall health, service `""`).
pub async fn check(addr: &str) -> Result<bool, String> {
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| e.to_string())?
        .connect_timeout(Duration::from_millis(500))
        .timeout(Duration::from_secs(1));
    let channel = endpoint.connect().await.map_err(|e| e.to_string())?;
    let reply = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map_err(|s| format!("{:?}: {}", s.code(), s.message()))?;
    Ok(reply.into_inner().status == ServingStatus::Serving as i32)
}

/// Poll `addr` until it reports `SERVING`, or fail after `timeout` with the last error.
/// `alive` is asked between polls; if it says the process is gone, give up early.
pub async fn wait_healthy(
    addr: &str,
    timeout: Duration,
    mut alive: impl FnMut() -> bool,
) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let last = match check(addr).await {
            Ok(true) => return Ok(()),
            Ok(false) => "health service answers NOT_SERVING".to_string(),
            Err(e) => e,
        };
        if !alive() {
            return Err(format!("the process exited ({last})"));
        }
        if start.elapsed() >= timeout {
            return Err(format!(
                "not healthy after {} ms: {last}",
                timeout.as_millis()
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
