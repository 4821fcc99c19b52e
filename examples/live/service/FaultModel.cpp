#include "FaultModel.h"

#include <utility>

namespace pipelang::live {

FaultModel::FaultModel(std::string version, const std::set<std::string>& faultyVersions)
    : version_(std::move(version)), faultEvery_(faultyVersions.count(version_) ? kFaultyEvery : kHealthyEvery) {}

}  // namespace pipelang::live
