#include "runtime/journal/PgRelay.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <chrono>

namespace pipelang::runtime {
namespace {

constexpr int kTaken = 1;  // status of a request an owner is applying; answers are HTTP statuses (>= 100)
constexpr int kWithdrawn = 2;

}  // namespace

std::int64_t PgRelay::ask(const std::string& pipeline, const std::string& kind, const std::string& body,
                          const std::string& who) {
  std::int64_t id = 0;
  store_.transaction([&] {
    id = store_
             .exec("INSERT INTO forwarded(pipeline, kind, body, who) VALUES($1, $2, $3, $4) RETURNING id",
                   {pipeline, kind, body, who})
             .integer(0, 0);
    store_.exec("SELECT pg_notify('pipe_requests', $1)", {pipeline});  // delivered at the commit
  });
  return id;
}

std::optional<std::pair<int, std::string>> PgRelay::answerOf(std::int64_t id) {
  auto r = store_.exec("SELECT status, answer FROM forwarded WHERE id = $1 AND status >= 100", {std::to_string(id)});
  if (!r.rows()) return std::nullopt;
  return std::make_pair(static_cast<int>(r.integer(0, 0)), r.text(0, 1));
}

bool PgRelay::withdraw(std::int64_t id) {
  auto r = store_.exec("UPDATE forwarded SET status = $2 WHERE id = $1 AND status = 0 RETURNING id",
                       {std::to_string(id), std::to_string(kWithdrawn)});
  return r.rows() == 1;
}

std::vector<RelayedRequest> PgRelay::take(const std::vector<std::string>& pipelines) {
  std::vector<RelayedRequest> out;
  if (pipelines.empty()) return out;
  auto r = store_.exec(
      "UPDATE forwarded SET status = $2 WHERE id IN (SELECT id FROM forwarded WHERE status = 0 AND pipeline = "
      "ANY($1::text[]) ORDER BY id FOR UPDATE SKIP LOCKED) RETURNING id, pipeline, kind, body, who",
      {pgTextArray(pipelines), std::to_string(kTaken)});
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4)});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

void PgRelay::answer(std::int64_t id, int status, const std::string& body) {
  store_.exec("UPDATE forwarded SET status = $2, answer = $3 WHERE id = $1",
              {std::to_string(id), std::to_string(status), body});
}

PgListener::PgListener(std::string conninfo, std::function<void(const std::string&)> heard)
    : conninfo_(std::move(conninfo)), heard_(std::move(heard)) {
  thread_ = std::thread([this] { run(); });
}

PgListener::~PgListener() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void PgListener::run() {
  pg_conn* conn = nullptr;
  while (!stopping_) {
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
      if (conn) PQfinish(conn);
      conn = PQconnectdb(conninfo_.c_str());
      pg_result* listening = PQstatus(conn) == CONNECTION_OK ? PQexec(conn, "LISTEN pipe_requests") : nullptr;
      bool ok = listening && PQresultStatus(listening) == PGRES_COMMAND_OK;
      if (listening) PQclear(listening);
      if (!ok) {
        for (int i = 0; i < 4 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(250));
        continue;
      }
    }
    pollfd fd{PQsocket(conn), POLLIN, 0};
    if (poll(&fd, 1, 250) < 0) continue;
    if (!PQconsumeInput(conn)) continue;  // the connection broke: PQstatus says so on the next turn
    while (pgNotify* note = PQnotifies(conn)) {
      std::string pipeline = note->extra ? note->extra : "";
      PQfreemem(note);
      heard_(pipeline);
    }
  }
  if (conn) PQfinish(conn);
}

}  // namespace pipelang::runtime
