#include "vhost/protocol.hpp"

namespace vfsd::vhost {

const char* request_name(MessageType request) {
    switch (request) {
    case MessageType::None:
        return "NONE";
    case MessageType::GetFeatures:
        return "GET_FEATURES";
    case MessageType::SetFeatures:
        return "SET_FEATURES";
    case MessageType::SetOwner:
        return "SET_OWNER";
    case MessageType::ResetOwner:
        return "RESET_OWNER";
    case MessageType::SetMemTable:
        return "SET_MEM_TABLE";
    case MessageType::SetLogBase:
        return "SET_LOG_BASE";
    case MessageType::SetLogFd:
        return "SET_LOG_FD";
    case MessageType::SetVringNum:
        return "SET_VRING_NUM";
    case MessageType::SetVringAddr:
        return "SET_VRING_ADDR";
    case MessageType::SetVringBase:
        return "SET_VRING_BASE";
    case MessageType::GetVringBase:
        return "GET_VRING_BASE";
    case MessageType::SetVringKick:
        return "SET_VRING_KICK";
    case MessageType::SetVringCall:
        return "SET_VRING_CALL";
    case MessageType::SetVringErr:
        return "SET_VRING_ERR";
    case MessageType::GetProtocolFeatures:
        return "GET_PROTOCOL_FEATURES";
    case MessageType::SetProtocolFeatures:
        return "SET_PROTOCOL_FEATURES";
    case MessageType::GetQueueNum:
        return "GET_QUEUE_NUM";
    case MessageType::SetVringEnable:
        return "SET_VRING_ENABLE";
    case MessageType::SendRarp:
        return "SEND_RARP";
    case MessageType::NetSetMtu:
        return "NET_SET_MTU";
    case MessageType::SetSlaveReqFd:
        return "SET_SLAVE_REQ_FD";
    case MessageType::IotlbMsg:
        return "IOTLB_MSG";
    case MessageType::SetVringEndian:
        return "SET_VRING_ENDIAN";
    case MessageType::GetConfig:
        return "GET_CONFIG";
    case MessageType::SetConfig:
        return "SET_CONFIG";
    case MessageType::GetInflightFd:
        return "GET_INFLIGHT_FD";
    case MessageType::SetInflightFd:
        return "SET_INFLIGHT_FD";
    case MessageType::GetMaxMemSlots:
        return "GET_MAX_MEM_SLOTS";
    case MessageType::AddMemReg:
        return "ADD_MEM_REG";
    case MessageType::RemMemReg:
        return "REM_MEM_REG";
    }
    return "UNKNOWN";
}

} // namespace vfsd::vhost
