workers Integer(ENV.fetch("WEB_CONCURRENCY", 2))
threads 5, 5
preload_app!

bind "unix:///tmp/nginx.socket"
environment ENV.fetch("RACK_ENV", "development")

on_worker_fork do
  FileUtils.touch("/tmp/app-initialized")
end
