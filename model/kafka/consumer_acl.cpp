// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/consumer_acl.cpp (layer: model)
// A poll the authorizer refused. KafkaConsumer.poll throws TopicAuthorizationException (or
// GroupAuthorizationException) when a fetch answers TOPIC_AUTHORIZATION_FAILED (or
// GROUP_AUTHORIZATION_FAILED): the poll returns nothing and the positions stay where they
// were (the Java client's FetchCollector.handleInitializeErrors; both are ApiExceptions, not
// retriable ones). The application here catches it and polls again after fetch.max.wait.ms,
// so a later ACL change would let it read from where it stood.
#include <string>

#include "model/kafka/consumer.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;
using history::OpType;

void Consumer::poll_denied(Error error, Output& out) {
  fetches_.clear();
  for (auto& records : fetched_) records.clear();
  for (auto& aborted : fetched_aborted_) aborted.clear();
  batch_.clear();
  next_ = 0;
  std::string const exception = error == Error::group_authorization_failed
                                    ? "GroupAuthorizationException ("
                                    : "TopicAuthorizationException (";
  out.complete(OpType::fail, OpKind::poll, {}, config_->group, exception + error_name(error) + ")");
  after_poll(out);  // Nothing returned: wait fetch.max.wait.ms, then poll again.
}

}  // namespace mqcheck::model::kafka
